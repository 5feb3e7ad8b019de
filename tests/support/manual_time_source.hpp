// A TimeSource that tests move by hand, so the limiters' blocking forms are tested without
// sleeping.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <stop_token>
#include <vector>

#include "limit/time_source.hpp"

namespace sluice::test {

// An hour after the steady clock's epoch, so that times a little before the start are still
// valid steady_clock time points: where every ManualTimeSource starts.
inline constexpr detail::TimeSource::time_point kStart =
    detail::TimeSource::time_point{} + std::chrono::hours(1);

// Thread-safe: threads sleep in sleep_until while the test thread calls advance(). Lifetime:
// must outlive every thread sleeping on it.
class ManualTimeSource final : public detail::TimeSource {
 public:
  time_point now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }

  bool sleep_until(time_point deadline, std::stop_token stop) override {
    std::unique_lock lock(mutex_);
    deadlines_.push_back(deadline);
    changed_.notify_all();  // wakes wait_for_sleepers
    changed_.wait(lock, stop, [&] { return now_ >= deadline; });
    deadlines_.erase(std::find(deadlines_.begin(), deadlines_.end(), deadline));
    return !stop.stop_requested();
  }

  void advance(std::chrono::nanoseconds by) {
    std::lock_guard lock(mutex_);
    now_ += by;
    changed_.notify_all();
  }

  // Blocks until at least `count` threads sleep in sleep_until; returns their deadlines,
  // earliest first. Lets a test know that a taker is waiting, and for exactly how long.
  std::vector<time_point> wait_for_sleepers(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return deadlines_.size() >= count; });
    std::vector<time_point> sorted = deadlines_;
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any changed_;  // a sleeper arrived, or the time moved
  time_point now_ = kStart;              // guarded by mutex_
  std::vector<time_point> deadlines_;    // guarded by mutex_: one per sleeping thread
};

}  // namespace sluice::test
