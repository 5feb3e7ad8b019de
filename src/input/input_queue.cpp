// The bounded hand-off between the input reader thread and an engine.
#include "input/input_queue.hpp"

#include <algorithm>
#include <utility>

namespace sluice::detail {

InputQueue::InputQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void InputQueue::set_wakeup(std::function<void()> wakeup) {
  std::lock_guard lock(mutex_);
  wakeup_ = std::move(wakeup);
}

bool InputQueue::push(InputItem&& item) {
  std::function<void()> wake;
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || cancelled_; });
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    if (std::exchange(consumer_waiting_, false)) wake = wakeup_;
  }
  not_empty_.notify_one();
  if (wake) wake();
  return true;
}

void InputQueue::close() {
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (std::exchange(consumer_waiting_, false)) wake = wakeup_;
  }
  not_empty_.notify_all();
  if (wake) wake();
}

void InputQueue::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  not_full_.notify_all();
  not_empty_.notify_all();
}

InputQueue::PopStatus InputQueue::try_pop(std::vector<InputItem>& out, std::size_t max) {
  std::size_t taken = 0;
  {
    std::lock_guard lock(mutex_);
    if (items_.empty()) {
      if (closed_ || cancelled_) return PopStatus::Drained;
      consumer_waiting_ = true;
      return PopStatus::Empty;
    }
    taken = std::min(max, items_.size());
    for (std::size_t i = 0; i < taken; ++i) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
  }
  not_full_.notify_one();
  return PopStatus::Items;
}

std::optional<InputItem> InputQueue::pop() {
  std::optional<InputItem> item;
  {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_ || cancelled_; });
    if (items_.empty()) return std::nullopt;
    item.emplace(std::move(items_.front()));
    items_.pop_front();
  }
  not_full_.notify_one();
  return item;
}

}  // namespace sluice::detail
