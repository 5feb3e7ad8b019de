// The bounded hand-off between a reader thread and a non-blocking consumer.
#include "input/input_queue.hpp"

#include <algorithm>
#include <utility>

namespace sluice::detail {

InputQueue::InputQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void InputQueue::set_wakeup(std::function<void()> wakeup) {
  std::lock_guard lock(mutex_);
  wakeup_ = std::move(wakeup);
}

std::function<void()> InputQueue::wake_consumer() {
  return std::exchange(consumer_waiting_, false) ? wakeup_ : std::function<void()>();
}

bool InputQueue::push(InputItem&& item) {
  std::function<void()> wake;
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || cancelled_; });
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    wake = wake_consumer();
  }
  if (wake) wake();
  return true;
}

void InputQueue::close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    wake = wake_consumer();
  }
  if (wake) wake();
}

void InputQueue::cancel() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    wake = wake_consumer();
  }
  not_full_.notify_all();
  if (wake) wake();
}

InputQueue::PopStatus InputQueue::try_pop(std::vector<InputItem>& out, std::size_t max) {
  {
    std::lock_guard lock(mutex_);
    if (cancelled_ || (closed_ && items_.empty())) return PopStatus::Drained;
    if (items_.empty()) {
      consumer_waiting_ = true;
      return PopStatus::Empty;
    }
    for (std::size_t taken = 0; taken < max && !items_.empty(); ++taken) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
  }
  not_full_.notify_one();
  return PopStatus::Items;
}

}  // namespace sluice::detail
