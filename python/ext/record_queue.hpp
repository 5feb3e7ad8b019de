// The hand-over between a run's engine thread(s) and Python: a bounded queue of records that
// is also the run's RecordSink.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "sluice/fetcher.hpp"

namespace sluice::python {

// Thread-safety: every method may be called from any thread. A full queue makes on_record
// wait, so a slow Python consumer slows the engine instead of records piling up in memory;
// after unbound() it never waits, so a stop or abort request cannot be held up by a
// consumer that is not reading. `wake_fd` (an eventfd, or -1) is written whenever the queue
// stops being empty and when the run finishes, for asyncio's add_reader.
class RecordQueue final : public RecordSink {
 public:
  RecordQueue(std::size_t capacity, int wake_fd) : capacity_(capacity), wake_fd_(wake_fd) {}

  void on_record(Record&& record) override;

  // Pushes never wait again.
  void unbound();
  // Records are dropped from now on (nobody will read them); implies unbound().
  void discard();
  // No record follows: called once by the run's thread when run() returned or threw.
  void finish();

  struct Popped {
    std::optional<Record> record;
    bool finished = false;  // no record now, and none will come
  };
  // Takes the oldest record without waiting.
  Popped try_pop();
  // Waits up to `timeout` for a record or the finish; both fields empty on a timeout.
  Popped pop_for(std::chrono::milliseconds timeout);

 private:
  Popped take_locked();
  void wake() const;

  const std::size_t capacity_;
  const int wake_fd_;
  std::mutex mutex_;
  std::condition_variable readable_;  // a record or the finish arrived
  std::condition_variable writable_;  // room, or the bound was lifted
  std::deque<Record> records_;        // guarded by mutex_
  bool bounded_ = true;               // guarded by mutex_
  bool discarding_ = false;           // guarded by mutex_
  bool finished_ = false;             // guarded by mutex_
};

}  // namespace sluice::python
