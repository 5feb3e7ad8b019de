// A bandwidth cap set from outside a run while it goes: a worker's share of its job's
// --max-bandwidth, which the job's Redis keeper sets and the run's limits follow.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

namespace sluice::detail {

// Thread-safety: every member is safe to call concurrently (one mutex); the follower runs
// under it, so unfollow() returns only once no call to it is running. Lifetime: outlives
// the run whose limits follow it.
class BandwidthShare {
 public:
  // The share in bytes per second (finite and positive); the follower, if any, hears it.
  void set(double bytes_per_second);
  // The last share set; nullopt before any.
  std::optional<double> rate() const;

  // `follower` hears every set() from now on (one follower at a time).
  void follow(std::function<void(double)> follower);
  void unfollow();

 private:
  mutable std::mutex mutex_;
  std::optional<double> rate_;            // guarded by mutex_
  std::function<void(double)> follower_;  // guarded by mutex_
};

}  // namespace sluice::detail
