// The bounded hand-off between the input reader thread and an engine, which also holds the
// URLs that wait to be retried.
#include "input/input_queue.hpp"

#include <algorithm>
#include <utility>

namespace sluice::detail {

InputQueue::InputQueue(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

void InputQueue::set_wakeup(std::function<void()> wakeup) {
  std::lock_guard lock(mutex_);
  wakeup_ = std::move(wakeup);
}

bool InputQueue::full() const { return items_.size() + retries_.size() >= capacity_; }

std::function<void()> InputQueue::wake_consumer() {
  return std::exchange(consumer_waiting_, false) ? wakeup_ : std::function<void()>();
}

bool InputQueue::push(InputItem&& item) {
  std::function<void()> wake;
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return !full() || cancelled_; });
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    wake = wake_consumer();
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
    wake = wake_consumer();
  }
  not_empty_.notify_all();
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
  not_empty_.notify_all();
  if (wake) wake();
}

void InputQueue::retry(InputItem&& item, Clock::time_point due) {
  {
    std::lock_guard lock(mutex_);
    retries_.push_back(Waiting{due, retries_handed_back_++, std::move(item)});
    std::push_heap(retries_.begin(), retries_.end());
  }
  // Every waiting worker recomputes how long to sleep: the new retry may be the earliest.
  not_empty_.notify_all();
}

std::optional<InputItem> InputQueue::take_due(Clock::time_point now) {
  if (retries_.empty() || retries_.front().due > now) return std::nullopt;
  std::pop_heap(retries_.begin(), retries_.end());
  InputItem item = std::move(retries_.back().item);
  retries_.pop_back();
  return item;
}

InputQueue::PopStatus InputQueue::try_pop(std::vector<InputItem>& out, std::size_t max) {
  std::size_t taken = 0;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return PopStatus::Drained;
    const auto now = Clock::now();
    while (taken < max) {
      auto due = take_due(now);
      if (!due) break;
      out.push_back(std::move(*due));
      ++taken;
    }
    for (; taken < max && !items_.empty(); ++taken) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    if (taken == 0) {
      if (closed_ && retries_.empty()) return PopStatus::Drained;
      consumer_waiting_ = true;
      return PopStatus::Empty;
    }
  }
  not_full_.notify_one();
  return PopStatus::Items;
}

std::optional<InputQueue::Clock::time_point> InputQueue::next_retry_due() {
  std::lock_guard lock(mutex_);
  if (cancelled_ || retries_.empty()) return std::nullopt;
  return retries_.front().due;
}

std::optional<InputItem> InputQueue::pop() {
  std::optional<InputItem> item;
  {
    std::unique_lock lock(mutex_);
    while (true) {
      if (cancelled_) return std::nullopt;
      item = take_due(Clock::now());
      if (item) break;
      if (!items_.empty()) {
        item.emplace(std::move(items_.front()));
        items_.pop_front();
        break;
      }
      if (closed_ && retries_.empty()) return std::nullopt;
      if (retries_.empty()) {
        not_empty_.wait(lock);
      } else {
        // A copy: the heap may reallocate while this thread waits.
        const auto due = retries_.front().due;
        not_empty_.wait_until(lock, due);
      }
    }
  }
  not_full_.notify_one();
  return item;
}

std::vector<InputItem> InputQueue::take_all() {
  std::vector<InputItem> all;
  {
    std::lock_guard lock(mutex_);
    all.reserve(items_.size() + retries_.size());
    for (auto& item : items_) all.push_back(std::move(item));
    items_.clear();
    for (auto& waiting : retries_) all.push_back(std::move(waiting.item));
    retries_.clear();
  }
  not_full_.notify_all();
  return all;
}

}  // namespace sluice::detail
