// The bounded hand-off between the input reader thread and an engine, which also holds the
// URLs that wait to be retried and those that wait for their host.
#include "input/input_queue.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace sluice::detail {

InputQueue::InputQueue(std::size_t capacity, HostLimiter* hosts, std::size_t fresh_capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      fresh_capacity_(fresh_capacity),
      hosts_(hosts) {}

void InputQueue::set_wakeup(std::function<void()> wakeup) {
  std::lock_guard lock(mutex_);
  wakeup_ = std::move(wakeup);
}

bool InputQueue::full() const {
  return items_.size() + retries_.size() + parked_count_ >= capacity_ ||
         (fresh_capacity_ > 0 && items_.size() >= fresh_capacity_);
}

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

void InputQueue::release(const std::string& host) {
  if (hosts_ == nullptr || host.empty()) return;
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    hosts_->release(host, Clock::now());
    const auto found = parked_.find(host);
    // A scheduled host is tried anyway; one waiting for a time would refuse before it.
    if (found == parked_.end() || found->second.scheduled) return;
    found->second.scheduled = true;
    hosts_to_try_.push_back(host);
    wake = wake_consumer();
  }
  not_empty_.notify_one();
  if (wake) wake();
}

void InputQueue::pause_host(const std::string& host, Clock::time_point until) {
  if (hosts_ == nullptr || host.empty()) return;
  hosts_->pause_until(host, until);
}

void InputQueue::observe_rate_limit(const std::string& host, const RateLimitInfo& limit,
                                    Clock::time_point now) {
  if (hosts_ == nullptr || host.empty()) return;
  hosts_->observe_rate_limit(host, limit.remaining, limit.reset, now);
}

std::optional<InputItem> InputQueue::take_due(Clock::time_point now) {
  if (retries_.empty() || retries_.front().due > now) return std::nullopt;
  std::pop_heap(retries_.begin(), retries_.end());
  InputItem item = std::move(retries_.back().item);
  retries_.pop_back();
  return item;
}

void InputQueue::wake_host_at(const std::string& host, ParkedHost& parked, Clock::time_point at) {
  if (parked.scheduled) return;
  parked.scheduled = true;
  host_wakes_.emplace_back(at, host);
  std::push_heap(host_wakes_.begin(), host_wakes_.end(), std::greater<>());
}

bool InputQueue::admit_or_park(InputItem& item, Clock::time_point now) {
  if (hosts_ == nullptr || item.host.empty()) return true;
  const HostAdmission admission = hosts_->try_acquire(item.host, now);
  if (admission) return true;
  ParkedHost& parked = parked_[item.host];
  // Refused for a time (a pause, an announced rate): try the host again then. Refused at
  // its cap: a release puts the host on hosts_to_try_.
  if (admission.retry_at) wake_host_at(item.host, parked, *admission.retry_at);
  parked.items.push_back(std::move(item));
  ++parked_count_;
  return false;
}

std::optional<InputItem> InputQueue::take_next(Clock::time_point now) {
  while (!host_wakes_.empty() && host_wakes_.front().first <= now) {
    std::pop_heap(host_wakes_.begin(), host_wakes_.end(), std::greater<>());
    hosts_to_try_.push_back(std::move(host_wakes_.back().second));
    host_wakes_.pop_back();
  }
  while (auto due = take_due(now)) {
    if (admit_or_park(*due, now)) return due;
  }
  while (!hosts_to_try_.empty()) {
    const std::string host = std::move(hosts_to_try_.front());
    hosts_to_try_.pop_front();
    const auto found = parked_.find(host);
    if (found == parked_.end()) continue;
    ParkedHost& parked = found->second;
    parked.scheduled = false;
    const HostAdmission admission = hosts_->try_acquire(host, now);
    if (!admission) {
      if (admission.retry_at) wake_host_at(host, parked, *admission.retry_at);
      continue;
    }
    InputItem item = std::move(parked.items.front());
    parked.items.pop_front();
    --parked_count_;
    if (parked.items.empty()) {
      parked_.erase(found);
    } else {
      parked.scheduled = true;
      hosts_to_try_.push_back(host);  // the host may have room for more
    }
    return item;
  }
  while (!items_.empty()) {
    InputItem item = std::move(items_.front());
    items_.pop_front();
    if (admit_or_park(item, now)) return item;
  }
  return std::nullopt;
}

std::optional<InputQueue::Clock::time_point> InputQueue::earliest_due() const {
  std::optional<Clock::time_point> earliest;
  if (!retries_.empty()) earliest = retries_.front().due;
  if (!host_wakes_.empty() && (!earliest || host_wakes_.front().first < *earliest)) {
    earliest = host_wakes_.front().first;
  }
  return earliest;
}

bool InputQueue::drained() const {
  return closed_ && items_.empty() && retries_.empty() && parked_count_ == 0;
}

InputQueue::PopStatus InputQueue::try_pop(std::vector<InputItem>& out, std::size_t max) {
  std::size_t taken = 0;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return PopStatus::Drained;
    const auto now = Clock::now();
    for (; taken < max; ++taken) {
      auto item = take_next(now);
      if (!item) break;
      out.push_back(std::move(*item));
    }
    if (taken == 0) {
      if (drained()) return PopStatus::Drained;
      consumer_waiting_ = true;
      return PopStatus::Empty;
    }
  }
  not_full_.notify_one();
  return PopStatus::Items;
}

std::optional<InputQueue::Clock::time_point> InputQueue::next_due() {
  std::lock_guard lock(mutex_);
  if (cancelled_) return std::nullopt;
  return earliest_due();
}

std::optional<InputItem> InputQueue::pop() {
  std::optional<InputItem> item;
  bool last = false;
  {
    std::unique_lock lock(mutex_);
    while (true) {
      if (cancelled_) return std::nullopt;
      item = take_next(Clock::now());
      if (item) {
        // Taking the last parked item can drain the queue without a close() to say so:
        // the consumers waiting for more must hear it here.
        last = drained();
        break;
      }
      if (drained()) return std::nullopt;
      // A copy: the heaps may reallocate while this thread waits.
      if (const auto due = earliest_due()) {
        not_empty_.wait_until(lock, *due);
      } else {
        not_empty_.wait(lock);
      }
    }
  }
  not_full_.notify_one();
  if (last) not_empty_.notify_all();
  return item;
}

std::vector<InputItem> InputQueue::take_all() {
  std::vector<InputItem> all;
  {
    std::lock_guard lock(mutex_);
    all.reserve(items_.size() + retries_.size() + parked_count_);
    for (auto& item : items_) all.push_back(std::move(item));
    items_.clear();
    for (auto& waiting : retries_) all.push_back(std::move(waiting.item));
    retries_.clear();
    for (auto& [host, parked] : parked_) {
      for (auto& item : parked.items) all.push_back(std::move(item));
    }
    parked_.clear();
    parked_count_ = 0;
  }
  not_full_.notify_all();
  return all;
}

InputQueue::Occupancy InputQueue::occupancy(bool name_host) {
  std::lock_guard lock(mutex_);
  Occupancy occupancy{.queued = items_.size(), .parked = parked_count_, .busiest_host = {}};
  if (name_host && !parked_.empty()) {
    occupancy.busiest_host = std::ranges::max_element(parked_, {}, [](const auto& entry) {
                               return entry.second.items.size();
                             })->first;
  }
  return occupancy;
}

}  // namespace sluice::detail
