// Admission: the bounded new input, the retry heap, hosts parked at their cap or pause,
// the --rate reservation and the in-flight cap, under one lock.
#include "admission/admission.hpp"

#include <algorithm>
#include <cassert>
#include <functional>
#include <utility>

namespace sluice::detail {

Admission::Admission(AdmissionSettings settings, std::unique_ptr<ConcurrencyLimit> limit,
                     TimeSource& clock, LiveCounters* live)
    : capacity_(std::max<std::size_t>(settings.capacity, 1)),
      fresh_capacity_(settings.fresh_capacity),
      max_host_pause_(settings.max_host_pause),
      limit_source_(std::move(limit)),
      clock_(clock),
      live_(live),
      hosts_(settings.per_host, settings.per_host_rate),
      connect_window_(settings.connect_window),
      limit_(limit_source_->limit()) {
  if (settings.rate > 0) rate_.emplace(settings.rate, 1.0);
  if (live_ != nullptr && limit_source_->varies()) {
    live_->limit.store(limit_, std::memory_order_relaxed);
  }
}

void Admission::Wakes::signal() {
  for (auto& sleeper : sleepers) sleeper.request_stop();
  if (consumer) consumer();
}

Admission::Wakes Admission::wakes(bool all) {
  Wakes wakes;
  // At the limit a consumer could start nothing: the next release (or a higher limit) wakes
  // it, and the one woken keeps the time if a retry or a --rate start is due later.
  if (!all && in_flight_ >= limit_) return wakes;
  if (std::exchange(consumer_waiting_, false)) wakes.consumer = wakeup_;
  if (all) {
    wakes.sleepers.assign(std::make_move_iterator(sleepers_.begin()),
                          std::make_move_iterator(sleepers_.end()));
    sleepers_.clear();
  } else if (!sleepers_.empty()) {
    wakes.sleepers.push_back(std::move(sleepers_.front()));
    sleepers_.pop_front();
  }
  return wakes;
}

void Admission::set_wakeup(std::function<void()> wakeup) {
  std::lock_guard lock(mutex_);
  wakeup_ = std::move(wakeup);
}

std::size_t Admission::held_count() const {
  return items_.size() + retries_.size() + parked_count_ + (held_ ? 1 : 0);
}

bool Admission::full() const {
  return held_count() >= capacity_ || (fresh_capacity_ > 0 && items_.size() >= fresh_capacity_);
}

bool Admission::refill_due() const {
  if (full()) return false;
  std::size_t room = capacity_ - held_count();
  std::size_t bound = capacity_;
  if (fresh_capacity_ > 0) {
    room = std::min(room, fresh_capacity_ - items_.size());
    bound = std::min(bound, fresh_capacity_);
  }
  const std::size_t batch = std::max<std::size_t>(1, bound / 4);
  return room >= batch || items_.size() < batch;
}

bool Admission::drained() const {
  return closed_ && items_.empty() && retries_.empty() && parked_count_ == 0 && !held_ &&
         in_flight_ == 0;
}

bool Admission::push(InputItem&& item) {
  Wakes woken;
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return !full() || cancelled_; });
    if (cancelled_) return false;
    items_.push_back(std::move(item));
    woken = wakes(false);
  }
  woken.signal();
  return true;
}

void Admission::close() {
  Wakes woken;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    woken = wakes(true);  // with nothing left, every worker must hear that it is over
  }
  woken.signal();
}

void Admission::cancel() {
  Wakes woken;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    woken = wakes(true);
  }
  not_full_.notify_all();
  woken.signal();
}

std::vector<InputItem> Admission::take_all() {
  std::vector<InputItem> all;
  {
    std::lock_guard lock(mutex_);
    all.reserve(items_.size() + retries_.size() + parked_count_ + 1);
    if (held_) all.push_back(std::move(*std::exchange(held_, std::nullopt)));
    rate_ready_.reset();  // the reservation was for the held item
    for (auto& item : items_) all.push_back(std::move(item));
    items_.clear();
    for (auto& waiting : retries_) all.push_back(std::move(waiting.item));
    retries_.clear();
    for (auto& [host, parked] : parked_) {
      for (auto& item : parked.items) all.push_back(std::move(item));
    }
    parked_.clear();
    parked_count_ = 0;
    publish_gauges();
  }
  not_full_.notify_all();
  return all;
}

void Admission::observe_rate_limit(const std::string& host, const RateLimitInfo& limit) {
  if (host.empty()) return;
  const time_point now = clock_.now();
  // A reset a day away ("none left until tomorrow") would hold the host's URLs that long.
  const auto reset = std::min<std::chrono::nanoseconds>(limit.reset, max_host_pause_);
  std::optional<time_point> paused;
  {
    std::lock_guard lock(mutex_);
    hosts_.observe_rate_limit(host, limit.remaining, reset, now);
    if (limit.remaining == 0) paused = hosts_.paused_until(host, now);
  }
  publish_pause(host, paused, now, "RateLimit");
}

void Admission::pause_host(const std::string& host, std::chrono::nanoseconds pause) {
  if (host.empty()) return;
  const time_point now = clock_.now();
  const time_point until = now + std::min(pause, max_host_pause_);
  std::optional<time_point> paused;
  {
    std::lock_guard lock(mutex_);
    hosts_.pause_until(host, until);
    paused = hosts_.paused_until(host, now);
  }
  publish_pause(host, paused, now, "Retry-After");
}

void Admission::publish_pause(const std::string& host, std::optional<time_point> until,
                              time_point now, const char* cause) {
  if (live_ == nullptr || !until) return;
  // A display shows the end on the wall clock; admission's clock may be a test's.
  live_->paused_host.offer(
      host,
      std::chrono::system_clock::now() +
          std::chrono::duration_cast<std::chrono::system_clock::duration>(*until - now),
      cause);
}

void Admission::on_sample(std::chrono::nanoseconds rtt, std::size_t in_flight_at_start,
                          bool dropped) {
  if (!limit_source_->varies()) return;
  // Outside the lock: the limit keeps its own. Two samples settled at once may store their
  // limits in either order; the next sample corrects a stale one.
  limit_source_->on_sample(rtt, in_flight_at_start, dropped, clock_.now());
  const std::size_t limit = limit_source_->limit();
  Wakes woken;
  {
    std::lock_guard lock(mutex_);
    const bool grew = limit > limit_;
    limit_ = limit;
    if (live_ != nullptr) live_->limit.store(limit, std::memory_order_relaxed);
    if (grew) woken = wakes(true);
  }
  woken.signal();
}

void Admission::retry(InputItem&& item, std::chrono::nanoseconds wait) {
  const time_point due = clock_.now() + wait;
  Wakes woken;
  {
    std::lock_guard lock(mutex_);
    retries_.push_back(Waiting{due, retries_handed_back_++, std::move(item)});
    std::push_heap(retries_.begin(), retries_.end());
    // One sleeper looks again: the new retry may be due before anything it waits for.
    woken = wakes(false);
  }
  woken.signal();
}

bool Admission::wants_connect_reports() const noexcept {
  // Both are fixed at construction: no lock.
  return connect_window_ > 0 || hosts_.spaces_starts();
}

void Admission::expect_connect_reports() {
  std::lock_guard lock(mutex_);
  if (std::exchange(connect_reports_, true)) return;
  if (connect_window_ > 0) connects_.emplace(connect_window_);
  hosts_.await_sends();
}

void Admission::connect_ended(const std::string& host, ConnectOutcome outcome) {
  const time_point now = clock_.now();
  Wakes woken;
  {
    std::lock_guard lock(mutex_);
    if (!connect_reports_) return;
    if (connects_) connects_->end(host, outcome, now);
    if (!host.empty()) hosts_.request_sent(host, now);
    const auto found = host.empty() ? parked_.end() : parked_.find(host);
    if (found != parked_.end() && !found->second.scheduled) {
      found->second.scheduled = true;
      hosts_to_try_.push_back(host);
    }
    woken = wakes(false);
  }
  woken.signal();
}

void Admission::release(const std::string& host) {
  const time_point now = clock_.now();
  Wakes woken;
  {
    std::lock_guard lock(mutex_);
    assert(in_flight_ > 0 && "release without an admitted item");
    --in_flight_;
    if (!host.empty()) {
      hosts_.release(host, now);
      const auto found = parked_.find(host);
      // A scheduled host is tried anyway; one waiting for a time would refuse before it.
      if (found != parked_.end() && !found->second.scheduled) {
        found->second.scheduled = true;
        hosts_to_try_.push_back(host);
      }
    }
    // The last request ending may end the run: every worker must hear it.
    woken = wakes(drained());
  }
  woken.signal();
}

std::optional<InputItem> Admission::take_due(time_point now) {
  if (retries_.empty() || retries_.front().due > now) return std::nullopt;
  std::pop_heap(retries_.begin(), retries_.end());
  InputItem item = std::move(retries_.back().item);
  retries_.pop_back();
  return item;
}

void Admission::wake_host_at(const std::string& host, ParkedHost& parked, time_point at) {
  if (parked.scheduled) return;
  parked.scheduled = true;
  host_wakes_.emplace_back(at, host);
  std::push_heap(host_wakes_.begin(), host_wakes_.end(), std::greater<>());
}

bool Admission::admit_or_park(InputItem& item, time_point now) {
  if (item.host.empty()) return true;
  // A host whose connect window is full is parked until a connect of its own ends (see
  // connect_ended), before its cap counts the item.
  const bool connect_room = !connects_ || connects_->has_room(item.host);
  const HostAdmission admission =
      connect_room ? hosts_.try_acquire(item.host, now) : HostAdmission{};
  if (admission) return true;
  ParkedHost& parked = parked_[item.host];
  // Refused for a time (a pause, an announced rate): try the host again then. Refused at
  // its cap: a release puts the host on hosts_to_try_.
  if (admission.retry_at) wake_host_at(item.host, parked, *admission.retry_at);
  parked.items.push_back(std::move(item));
  ++parked_count_;
  return false;
}

std::optional<InputItem> Admission::take_next(time_point now) {
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
    if (connects_ && !connects_->has_room(host)) continue;  // a connect_ended brings it back
    const HostAdmission admission = hosts_.try_acquire(host, now);
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

std::optional<Admission::time_point> Admission::earliest_due() const {
  std::optional<time_point> earliest;
  if (!retries_.empty()) earliest = retries_.front().due;
  if (!host_wakes_.empty() && (!earliest || host_wakes_.front().first < *earliest)) {
    earliest = host_wakes_.front().first;
  }
  return earliest;
}

void Admission::publish_gauges() {
  if (live_ == nullptr) return;
  live_->waiting_for_rate.store(rate_ready_ ? 1 : 0, std::memory_order_relaxed);
  live_->parked.store(parked_count_, std::memory_order_relaxed);
  live_->waiting_to_retry.store(retries_.size(), std::memory_order_relaxed);
}

Admission::Next Admission::next_locked(time_point now) {
  if (cancelled_) return Drained{};
  // A release or a higher limit wakes the asker.
  if (in_flight_ >= limit_) return UntilWoken{};
  // So does the end of a connect, when the connect window is full.
  if (connects_ && !connects_->overall_has_room()) return UntilWoken{};
  if (!held_) held_ = take_next(now);
  if (!held_) {
    if (drained()) return Drained{};
    if (const auto due = earliest_due()) return NotBefore{*due};
    return UntilWoken{};
  }
  // [article:rate-reserve]
  if (rate_) {
    // A reservation keeps the starts on the bucket's own schedule. Taking a token only
    // when one is there would lose each late wake-up for good, since the bucket holds
    // one token: the loop measured 92 % of --rate 500/s that way.
    if (!rate_ready_) rate_ready_ = rate_->reserve(1, now);
    if (*rate_ready_ > now) return NotBefore{*rate_ready_};
    rate_ready_.reset();
  }
  // [/article:rate-reserve]
  ++in_flight_;
  if (connects_) connects_->begin(held_->host, now);
  return Admitted{std::move(*std::exchange(held_, std::nullopt)), in_flight_};
}

Admission::Next Admission::next(time_point now) {
  Next next;
  bool refill = false;
  {
    std::lock_guard lock(mutex_);
    next = next_locked(now);
    publish_gauges();
    if (!std::holds_alternative<Admitted>(next) && !std::holds_alternative<Drained>(next)) {
      consumer_waiting_ = true;
    }
    refill = std::holds_alternative<Admitted>(next) && refill_due();
  }
  if (refill) not_full_.notify_one();
  return next;
}

std::optional<Admitted> Admission::next_blocking(std::stop_token stop) {
  while (true) {
    std::stop_source woken;
    time_point deadline = time_point::max();
    {
      std::unique_lock lock(mutex_);
      Next next = stop.stop_requested() ? Next(Drained{}) : next_locked(clock_.now());
      publish_gauges();
      if (!std::holds_alternative<NotBefore>(next) && !std::holds_alternative<UntilWoken>(next)) {
        // Leaving without a timekeeper asleep: one sleeper takes up the watch for what
        // may start later (a due retry, the next --rate start).
        Wakes woken_up = timed_sleepers_.empty() ? wakes(false) : Wakes{};
        const bool refill = std::holds_alternative<Admitted>(next) && refill_due();
        lock.unlock();
        woken_up.signal();
        if (refill) not_full_.notify_one();
        if (auto* admitted = std::get_if<Admitted>(&next)) return std::move(*admitted);
        return std::nullopt;
      }
      // One sleeper keeps the time (the earliest deadline); the others wait for a
      // wake-up, so that a --rate tick wakes one worker, not all of them.
      if (const auto* later = std::get_if<NotBefore>(&next);
          later != nullptr && (timed_sleepers_.empty() || later->at < *timed_sleepers_.begin())) {
        deadline = later->at;
        timed_sleepers_.insert(deadline);
      }
      // Registered under the lock that computed the answer: a change after it stops this
      // source, also before the sleep below begins, which then returns at once.
      sleepers_.push_back(woken);
    }
    {
      const std::stop_callback forward(stop, [&woken] { woken.request_stop(); });
      clock_.sleep_until(deadline, woken.get_token());
    }
    std::lock_guard lock(mutex_);
    if (deadline != time_point::max()) timed_sleepers_.erase(timed_sleepers_.find(deadline));
    // Still there when the deadline, not a wake-up, ended the sleep.
    if (const auto mine = std::ranges::find(sleepers_, woken); mine != sleepers_.end()) {
      sleepers_.erase(mine);
    }
  }
}

Admission::Occupancy Admission::occupancy(bool name_host) {
  std::lock_guard lock(mutex_);
  Occupancy occupancy{
      .queued = items_.size(), .parked = parked_count_, .full = full(), .busiest_host = {}};
  if (name_host && !parked_.empty()) {
    occupancy.busiest_host = std::ranges::max_element(parked_, {}, [](const auto& entry) {
                               return entry.second.items.size();
                             })->first;
  }
  return occupancy;
}

}  // namespace sluice::detail
