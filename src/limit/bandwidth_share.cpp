// The share and its one follower.
#include "limit/bandwidth_share.hpp"

namespace sluice::detail {

void BandwidthShare::set(double bytes_per_second) {
  const std::lock_guard lock(mutex_);
  rate_ = bytes_per_second;
  if (follower_) follower_(bytes_per_second);
}

std::optional<double> BandwidthShare::rate() const {
  const std::lock_guard lock(mutex_);
  return rate_;
}

void BandwidthShare::follow(std::function<void(double)> follower) {
  const std::lock_guard lock(mutex_);
  follower_ = std::move(follower);
}

void BandwidthShare::unfollow() {
  const std::lock_guard lock(mutex_);
  follower_ = nullptr;
}

}  // namespace sluice::detail
