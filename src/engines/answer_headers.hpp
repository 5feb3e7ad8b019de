// What the last answer of a finished transfer asks of us in its headers: Retry-After, and
// the rate limit its RateLimit or X-RateLimit-* headers announce.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>

#include "limit/rate_limit_headers.hpp"

namespace sluice::detail {

// The pause the answer's Retry-After header asked for (either form); nullopt without one.
std::optional<std::chrono::seconds> retry_after(CURL* easy);

// The rate limit the last answer's headers announce (see parse_rate_limit_headers);
// `wall_now` reads epoch-second resets.
std::optional<RateLimitInfo> announced_rate_limit(CURL* easy,
                                                  std::chrono::system_clock::time_point wall_now);

}  // namespace sluice::detail
