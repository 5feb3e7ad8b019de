// The HTTP-date of headers such as Retry-After, in its preferred IMF-fixdate form.
#pragma once

#include <chrono>
#include <string>

namespace sluice::detail {

// "Wed, 21 Oct 2026 07:28:00 GMT" (RFC 9110, section 5.6.7), to the whole second, rounded
// down; always in English, whatever the process locale.
std::string http_date(std::chrono::system_clock::time_point time);

}  // namespace sluice::detail
