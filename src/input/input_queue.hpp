// The bounded hand-off between the input reader thread and an engine.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "input/input_item.hpp"

namespace sluice::detail {

// Thread-safe: one producer (the reader) and any number of consumers. The bound keeps a
// 10-million-line input from being held in memory: the reader blocks while it is full.
class InputQueue {
 public:
  explicit InputQueue(std::size_t capacity);

  // Blocks while the queue is full. Returns false once the consumer has cancelled.
  bool push(InputItem&& item);
  // The producer's promise that no more items come.
  void close();
  // The consumer's word that it takes no more: blocked and future pushes fail. Items
  // already queued stay poppable, so a stopping engine can still give each a record.
  void cancel();

  enum class PopStatus {
    Items,    // at least one item was moved out
    Empty,    // nothing now; the wake-up callback fires when that changes
    Drained,  // closed and empty: the input is over
  };
  // Non-blocking, for an event loop: moves up to `max` items into `out`.
  PopStatus try_pop(std::vector<InputItem>& out, std::size_t max);
  // Blocking, for worker threads: nullopt once the input is drained or cancelled and empty.
  std::optional<InputItem> pop();

  // Called from the producer's thread, outside the lock, when an item or the close
  // arrives after try_pop answered Empty. May be set while the producer runs: a consumer
  // only waits on it after its own try_pop, which sees the new callback.
  void set_wakeup(std::function<void()> wakeup);

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::function<void()> wakeup_;       // guarded by mutex_
  std::condition_variable not_full_;   // guarded by mutex_
  std::condition_variable not_empty_;  // guarded by mutex_
  std::deque<InputItem> items_;        // guarded by mutex_
  bool closed_ = false;                // guarded by mutex_
  bool cancelled_ = false;             // guarded by mutex_
  bool consumer_waiting_ = false;      // guarded by mutex_: try_pop found it empty
};

}  // namespace sluice::detail
