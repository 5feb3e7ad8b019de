// The window budget's limit on transfers that receive at once, for worker threads: a worker
// waits here for a slot (and the ramp's time) before it asks admission for a URL.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stop_token>

#include "limit/window_budget.hpp"

namespace sluice::detail {

// Waits in real time (the logic of when is WindowBudget's, tested on a manual clock).
// Thread-safety: every member is safe to call concurrently. Lifetime: the budget must
// outlive it; it must outlive every worker that waits in enter().
class ReceiverSlots {
 public:
  explicit ReceiverSlots(WindowBudget& budget) : budget_(budget) {}

  // Waits until the budget lets one more transfer receive, and takes the slot: true, or
  // false when `stop` is requested first.
  bool enter(std::stop_token stop);
  // Gives a slot back.
  void leave();

 private:
  WindowBudget& budget_;
  std::mutex mutex_;
  std::condition_variable_any left_;  // a slot came free
  std::size_t running_ = 0;           // guarded by mutex_
  std::uint64_t leaves_ = 0;          // guarded by mutex_; tells a waiter that one left
};

}  // namespace sluice::detail
