// The window budget for worker threads: a worker waits for the ramp before it asks admission
// for a URL, and for a receiver slot at its transfer's first body byte.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stop_token>

#include "limit/window_budget.hpp"

namespace sluice::detail {

// Waits in real time (the logic of when is WindowBudget's, tested on a manual clock). A slot
// is held only while a body flows: a worker waiting for its answer holds none, so a cap far
// above what the bodies need leaves every worker a request in flight.
// Thread-safety: every member is safe to call concurrently. Lifetime: the budget must
// outlive it; it must outlive every worker that waits in it.
class ReceiverSlots {
 public:
  explicit ReceiverSlots(WindowBudget& budget) : budget_(budget) {}

  // Waits until the budget lets a new transfer start (the ramp, fewer than receivers()
  // receiving, and none answered waiting for a slot) and records the start: true, or false
  // when `stop` is requested first.
  bool start(std::stop_token stop);
  // Waits until fewer than receivers() receive, and takes a slot: true, or false when `stop`
  // is requested first.
  bool enter(std::stop_token stop);
  // Gives a slot back.
  void leave();

 private:
  WindowBudget& budget_;
  std::mutex mutex_;
  std::condition_variable_any changed_;  // a slot came free, or a waiter took one
  std::size_t receiving_ = 0;            // guarded by mutex_
  // Workers answered and waiting in enter(): each socket's window is open to the sender, so
  // it queues at the bottleneck as a receiving one does. Guarded by mutex_.
  std::size_t waiting_ = 0;
  std::uint64_t changes_ = 0;  // guarded by mutex_; tells a waiter to look again
};

}  // namespace sluice::detail
