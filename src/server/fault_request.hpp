// A request's own fault parameters (?fault=, ?fault_times=, ?fraction=, ?retry_after=,
// ?retry_after_date=, ?form=), read from its query without I/O.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "server/fault.hpp"
#include "server/server.hpp"

namespace sluice::detail {

// The longest Retry-After a request may ask for; a day is more than any client test waits.
inline constexpr std::chrono::seconds kMaxRetryAfter = std::chrono::hours{24};

// The reset the ratelimit-far fault announces: over a day, so a client that waits for it
// rather than capping the wait is seen to hang.
inline constexpr std::chrono::seconds kFarRateLimitReset{100'000};

struct FaultRequest {
  // ?fault=NAME; unset, the server's configured mix decides.
  std::optional<Fault> fault = std::nullopt;
  // ?fault_times=N: the fault hits only the first N requests for this exact target.
  std::optional<std::uint64_t> times = std::nullopt;
  // ?fraction=: the part of the body a truncated or reset-mid answer writes.
  double fraction = 0.5;
  // ?retry_after=N or ?retry_after_date=N, for the 503 and 429 faults.
  std::chrono::seconds retry_after{1};
  bool retry_after_date = false;  // send Retry-After as the HTTP-date now + retry_after
  // ?form=ietf or ?form=x: how the ratelimit-far fault spells its exhausted limit.
  RateLimitFields rate_limit_form = RateLimitFields::Ietf;
};

// The error is a message for the 400 answer.
std::expected<FaultRequest, std::string> parse_fault_request(std::string_view query);

// The Retry-After header value `request` asks for, as seconds or as an HTTP-date after `now`.
std::string retry_after_value(const FaultRequest& request,
                              std::chrono::system_clock::time_point now);

// Sets the fields of the ratelimit-far fault: no request left until kFarRateLimitReset from
// now, in the spelling `request` asks for.
void set_far_rate_limit_fields(boost::beast::http::fields& fields, const FaultRequest& request);

}  // namespace sluice::detail
