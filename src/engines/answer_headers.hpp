// What the last answer of a finished transfer asks of us in its headers: Retry-After, the
// rate limit its RateLimit or X-RateLimit-* headers announce, and where its Location points.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "limit/rate_limit_headers.hpp"

namespace sluice::detail {

// A field of the transfer's last answer (after any redirects libcurl followed), its repeats
// joined with ", "; nullopt without one. `name` matches whatever its case.
std::optional<std::string> answer_field(CURL* easy, std::string_view name);

// The pause the answer's Retry-After header asked for (either form); nullopt without one.
std::optional<std::chrono::seconds> retry_after(CURL* easy);

// The rate limit the last answer's headers announce (see parse_rate_limit_headers);
// `wall_now` reads epoch-second resets.
std::optional<RateLimitInfo> announced_rate_limit(CURL* easy,
                                                  std::chrono::system_clock::time_point wall_now);

// The last answer's Location field, as sent; nullopt without one.
std::optional<std::string> redirect_location(CURL* easy);

// The Location field of the latest answer in the transfer that has one. After a redirect
// libcurl could not follow, the last answer it knows of is the request it never sent.
std::optional<std::string> latest_redirect_location(CURL* easy);

}  // namespace sluice::detail
