// Reading a server's announced rate limit from response headers: the IETF RateLimit and
// RateLimit-Policy fields (in their draft spellings) and the common X-RateLimit-* ones.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::detail {

// The server accepts `remaining` more requests until `reset` from now, when its window
// renews. `reset` is always positive: a window that renews now limits nothing.
struct RateLimitInfo {
  std::uint64_t remaining = 0;
  std::chrono::milliseconds reset{0};

  friend bool operator==(const RateLimitInfo&, const RateLimitInfo&) = default;
};

// A response's header value by field name, the name matched without regard to case (as
// curl_easy_header does); a field sent more than once joined with ", " as HTTP allows;
// nullopt when the response lacks it.
using HeaderLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The first of these that yields a usable limit wins:
//  1. RateLimit, as a list of named items (`"default";r=50;t=30`, newer drafts) or as a
//     dictionary (`limit=100, remaining=50, reset=30`, older ones);
//  2. RateLimit-Remaining with RateLimit-Reset (the first drafts' separate fields);
//  3. X-RateLimit-Remaining with X-RateLimit-Reset, whose reset is delta seconds, or epoch
//     seconds when above 1e9 (no delta is 30 years long), measured against `wall_now`;
//  4. RateLimit-Policy alone (`"default";q=100;w=60`, or `100;w=60` in older drafts): the
//     quota q over the window w, as if q requests remained for w seconds.
// Where a form gives remaining but no reset, the policy's window stands in: the one of the
// same name for a named item, else the longest (the slowest, hence safe, reading). Among
// several limits the most restrictive wins: the fewest remaining requests per second.
// Unknown parameters, policies without a window and malformed members are skipped; so are
// resets beyond a year, which only a broken header announces. Fractional seconds round up.
// Thread-safety: a pure function.
std::optional<RateLimitInfo> parse_rate_limit_headers(
    const HeaderLookup& header, std::chrono::system_clock::time_point wall_now);

}  // namespace sluice::detail
