// The fixed windows behind ServerConfig::rate_limit and the fields that announce them.
#include "server/rate_window.hpp"

#include <string>

namespace sluice::detail {

RateWindow::RateWindow(RateLimitPolicy policy, std::chrono::steady_clock::time_point start)
    : quota_(policy.quota), window_(policy.window), start_(start) {}

RateTurn RateWindow::take(std::chrono::steady_clock::time_point now) {
  const auto since_start = now - start_;
  const auto index = static_cast<std::uint64_t>(since_start / window_);
  const auto left = window_ - since_start % window_;
  // Rounded up, as a client that comes back after T seconds must find the window renewed.
  const auto reset = std::chrono::ceil<std::chrono::seconds>(left);
  const std::lock_guard lock(mutex_);
  if (index != current_) {
    current_ = index;
    used_ = 0;
  }
  if (used_ >= quota_) {
    return {.admitted = false, .remaining = 0, .reset = reset};
  }
  ++used_;
  return {.admitted = true, .remaining = quota_ - used_, .reset = reset};
}

void set_rate_limit_fields(boost::beast::http::fields& fields, const RateLimitPolicy& policy,
                           const RateTurn& turn) {
  const auto quota = std::to_string(policy.quota);
  const auto remaining = std::to_string(turn.remaining);
  const auto reset = std::to_string(turn.reset.count());
  if (policy.fields == RateLimitFields::X) {
    fields.set("X-RateLimit-Limit", quota);
    fields.set("X-RateLimit-Remaining", remaining);
    fields.set("X-RateLimit-Reset", reset);
    return;
  }
  fields.set("RateLimit-Policy",
             "\"default\";q=" + quota + ";w=" + std::to_string(policy.window.count()));
  fields.set("RateLimit", "\"default\";r=" + remaining + ";t=" + reset);
}

}  // namespace sluice::detail
