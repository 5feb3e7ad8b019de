// The window budget under a bandwidth cap: the base RTT filter, the split of rate x (base
// RTT + target delay) into receivers and their windows, and the ramp of new starts.
#include "limit/window_budget.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sluice::detail {
namespace {

constexpr double kKiB = 1024;

double checked_rate(double bytes_per_second) {
  if (!std::isfinite(bytes_per_second) || bytes_per_second <= 0) {
    throw std::invalid_argument("window budget: the rate must be finite and positive");
  }
  return bytes_per_second;
}

double seconds(std::chrono::microseconds span) {
  return std::chrono::duration<double>(span).count();
}

}  // namespace

WindowBudget::WindowBudget(double bytes_per_second, std::size_t max_receivers)
    : max_receivers_(std::max<std::size_t>(max_receivers, 1)),
      rate_(checked_rate(bytes_per_second)) {}

void WindowBudget::set_rate(double bytes_per_second) {
  const double rate = checked_rate(bytes_per_second);
  std::lock_guard lock(mutex_);
  rate_ = rate;
}

double WindowBudget::rate() const {
  std::lock_guard lock(mutex_);
  return rate_;
}

void WindowBudget::observe_rtt(std::chrono::microseconds rtt, time_point now) {
  if (rtt.count() <= 0) return;
  std::lock_guard lock(mutex_);
  if (min_rtt_.count() == 0 || rtt <= min_rtt_ || now - min_rtt_at_ > kRttWindow) {
    min_rtt_ = rtt;
    min_rtt_at_ = now;
  }
}

std::chrono::microseconds WindowBudget::base_rtt() const {
  std::lock_guard lock(mutex_);
  return min_rtt_;
}

double WindowBudget::total_window() const {
  std::lock_guard lock(mutex_);
  return total_window_locked();
}

std::size_t WindowBudget::receivers() const {
  std::lock_guard lock(mutex_);
  return receivers_locked();
}

double WindowBudget::window() const {
  std::lock_guard lock(mutex_);
  return window_locked();
}

int WindowBudget::receive_buffer() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::ceil(window_locked() * kBufferPerWindow / kKiB) * kKiB);
}

std::optional<WindowBudget::time_point> WindowBudget::start_at(std::size_t receiving,
                                                               time_point now) const {
  std::lock_guard lock(mutex_);
  if (receiving >= receivers_locked()) return std::nullopt;
  // The ramp holds even when none receives yet: transfers that wait for their answers may
  // all be answered at once.
  if (!next_start_) return now;
  const time_point allowed = *next_start_ - kRampAhead;
  return allowed <= now ? now : allowed;
}

void WindowBudget::started(time_point now) {
  std::lock_guard lock(mutex_);
  // A new connection may put its whole first window on the wire at once: the next one
  // waits until the link has carried it, so first windows queue one after another.
  // Counted from the previous start's drain when that is still ahead, so that kRampAhead
  // lets through a millisecond of the rate, not every start whose own drain is shorter.
  const auto drain = std::chrono::duration<double>(charge_locked() / rate_);
  const time_point from = next_start_ ? std::max(*next_start_, now) : now;
  next_start_ = from + std::chrono::ceil<std::chrono::nanoseconds>(drain);
}

void WindowBudget::ended(std::uint64_t received) {
  std::lock_guard lock(mutex_);
  // Refunded at today's charge, which the start may not have been charged: the ramp only
  // spaces starts, so an error of a charge's change is harmless. A refund that takes the
  // next start into the past builds no credit: started() counts from `now` at the earliest.
  const double unused = charge_locked() - static_cast<double>(received);
  sizes_[ended_ % kSizesKept] = received;
  ++ended_;
  if (!next_start_ || unused <= 0) return;
  *next_start_ -=
      std::chrono::ceil<std::chrono::nanoseconds>(std::chrono::duration<double>(unused / rate_));
}

double WindowBudget::charge() const {
  std::lock_guard lock(mutex_);
  return charge_locked();
}

double WindowBudget::total_window_locked() const {
  return rate_ * seconds(min_rtt_ + kTargetDelay);
}

std::size_t WindowBudget::receivers_locked() const {
  const double wanted = std::ceil(total_window_locked() / static_cast<double>(kSplitWindow));
  return std::min(static_cast<std::size_t>(std::max(wanted, 1.0)), max_receivers_);
}

double WindowBudget::charge_locked() const {
  if (ended_ == 0) return window_locked();
  const auto kept =
      sizes_.begin() + static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(ended_, kSizesKept));
  const double largest = static_cast<double>(*std::max_element(sizes_.begin(), kept));
  return std::min(window_locked(), largest);
}

double WindowBudget::window_locked() const {
  const double share = total_window_locked() / static_cast<double>(receivers_locked());
  // The kernel caps SO_RCVBUF at net.core.rmem_max by itself.
  return std::ceil(std::max(share, static_cast<double>(kMinWindow)) / kKiB) * kKiB;
}

}  // namespace sluice::detail
