// The hand-over between a run's engine thread(s) and Python: a bounded queue of records.
#include "record_queue.hpp"

#include <unistd.h>

#include <cstdint>

namespace sluice::python {

void RecordQueue::on_record(Record&& record) {
  std::unique_lock lock(mutex_);
  writable_.wait(lock, [&] { return !bounded_ || records_.size() < capacity_; });
  if (discarding_) return;
  const bool was_empty = records_.empty();
  records_.push_back(std::move(record));
  lock.unlock();
  readable_.notify_one();
  if (was_empty) wake();
}

void RecordQueue::unbound() {
  {
    const std::lock_guard lock(mutex_);
    bounded_ = false;
  }
  writable_.notify_all();
}

void RecordQueue::discard() {
  {
    const std::lock_guard lock(mutex_);
    bounded_ = false;
    discarding_ = true;
    records_.clear();
  }
  writable_.notify_all();
}

void RecordQueue::finish() {
  {
    const std::lock_guard lock(mutex_);
    finished_ = true;
  }
  readable_.notify_all();
  wake();
}

RecordQueue::Popped RecordQueue::try_pop() {
  const std::lock_guard lock(mutex_);
  return take_locked();
}

RecordQueue::Popped RecordQueue::pop_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  readable_.wait_for(lock, timeout, [&] { return !records_.empty() || finished_; });
  return take_locked();
}

RecordQueue::Popped RecordQueue::take_locked() {
  Popped popped;
  if (!records_.empty()) {
    popped.record = std::move(records_.front());
    records_.pop_front();
    // Only a pusher waits on writable_, and only when the queue was full.
    writable_.notify_one();
  } else {
    popped.finished = finished_;
  }
  return popped;
}

void RecordQueue::wake() const {
  if (wake_fd_ < 0) return;
  const std::uint64_t one = 1;
  // An eventfd write fails only when its counter would overflow; it is readable then anyway.
  [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace sluice::python
