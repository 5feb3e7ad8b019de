// The bounded hand-off between a reader thread and one consumer that must not block: a
// watch job's list streamed to the feeder that moves it into admission.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "input/input_item.hpp"

namespace sluice::detail {

// Thread-safety: one producer and one consumer, each on its own thread. The bound keeps a
// long list out of memory: the producer blocks while the queue is full. Lifetime: outlives
// both threads.
class InputQueue {
 public:
  explicit InputQueue(std::size_t capacity);

  // Blocks while the queue is full. Returns false once the queue is cancelled.
  bool push(InputItem&& item);
  // The producer's promise that no more items come.
  void close();
  // Refuses blocked and future pushes; pops find nothing more.
  void cancel();

  enum class PopStatus {
    Items,    // at least one item was moved out
    Empty,    // nothing now; the wake-up callback fires when input or close arrives
    Drained,  // closed with nothing queued, or cancelled: the input is over
  };
  // Non-blocking: moves up to `max` items into `out`, in input order.
  PopStatus try_pop(std::vector<InputItem>& out, std::size_t max);

  // Called from the producer's thread (or the cancelling one), outside the lock, when an
  // item, the close or a cancel arrives after try_pop answered Empty. Set before the
  // producer starts.
  void set_wakeup(std::function<void()> wakeup);

 private:
  std::function<void()> wake_consumer();  // caller holds mutex_

  const std::size_t capacity_;
  std::mutex mutex_;
  std::function<void()> wakeup_;      // guarded by mutex_
  std::condition_variable not_full_;  // guarded by mutex_
  std::deque<InputItem> items_;       // guarded by mutex_
  bool closed_ = false;               // guarded by mutex_
  bool cancelled_ = false;            // guarded by mutex_
  bool consumer_waiting_ = false;     // guarded by mutex_: try_pop found it empty
};

}  // namespace sluice::detail
