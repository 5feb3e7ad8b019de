// The test server's announced rate limit: a fixed-window request counter and the header
// fields that tell clients how much of the window is left.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "server/server.hpp"

namespace sluice::detail {

// One request's turn in the window it arrived in.
struct RateTurn {
  bool admitted = false;         // false: the quota was used up, answer 429
  std::uint64_t remaining = 0;   // turns left in the window after this one
  std::chrono::seconds reset{};  // until the window ends, rounded up; at least 1 s
};

// Counts requests in the windows [k * W, (k + 1) * W) after `start` (see Server).
// Thread-safe: one mutex around a few comparisons. Lifetime: one per server.
class RateWindow {
 public:
  RateWindow(RateLimitPolicy policy, std::chrono::steady_clock::time_point start);

  // Takes a turn in the window that holds `now`, if any is left.
  RateTurn take(std::chrono::steady_clock::time_point now);

 private:
  const std::uint64_t quota_;
  const std::chrono::steady_clock::duration window_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::uint64_t current_ = 0;  // guarded by mutex_: the index k of the window being counted
  std::uint64_t used_ = 0;     // guarded by mutex_: turns taken in that window
};

// Sets the fields that state `turn` under `policy`, in the policy's spelling.
void set_rate_limit_fields(boost::beast::http::fields& fields, const RateLimitPolicy& policy,
                           const RateTurn& turn);

}  // namespace sluice::detail
