// --resolve: names the run resolves to given addresses without asking the system's
// resolver, as curl's option of that name does, in the list libcurl takes (CURLOPT_RESOLVE).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "engines/curl_list.hpp"

namespace sluice::detail {

// Whether `entry` is "HOST:PORT:ADDR[,ADDR]...": HOST without ':' (or '*' for every host),
// PORT from 1 to 65535, each ADDR an IPv4 or IPv6 address (IPv6 may stand in brackets).
// Returns why not, naming the part that is wrong. curl's '+' and '-' prefixes are refused.
std::expected<void, std::string> check_resolve_entry(std::string_view entry);

// The entries, each passed by check_resolve_entry(), as CURLOPT_RESOLVE takes them.
using ResolveList = CurlList;

}  // namespace sluice::detail
