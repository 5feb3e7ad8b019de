// The per-host table: counts, start intervals, pauses and announced rates, with idle hosts
// dropped.
#include "limit/host_limiter.hpp"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

namespace sluice::detail {
namespace {

// Below this many hosts a sweep for size is not worth its time.
constexpr std::size_t kMinSweepSize = 1024;
// Hosts whose pause or rate ran out while the table did not grow are swept this often.
constexpr std::chrono::seconds kSweepInterval{10};

// Rounded up, so that rounding never lets a host's starts come faster than asked.
std::chrono::nanoseconds interval_of(double starts_per_second) {
  if (starts_per_second == 0) return std::chrono::nanoseconds::zero();
  if (!(starts_per_second > 0) || !std::isfinite(starts_per_second)) {
    throw std::invalid_argument("per_host_rate must be positive and finite");
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(1e9 / starts_per_second)));
}

}  // namespace

HostLimiter::HostLimiter(std::size_t per_host_cap, double starts_per_second)
    : per_host_cap_(per_host_cap),
      start_interval_(interval_of(starts_per_second)),
      sweep_at_size_(kMinSweepSize) {}

bool HostLimiter::idle(const Host& host, time_point now) {
  // A host forgotten before its interval ran out could start again at once.
  return host.in_flight == 0 && host.unsent == 0 && host.paused_until <= now &&
         (!host.rate || host.rate_until <= now) && host.next_start <= now;
}

void HostLimiter::sweep_if_due(time_point now) {
  if (hosts_.size() < sweep_at_size_ && now < next_sweep_) return;
  std::erase_if(hosts_, [now](const auto& entry) { return idle(entry.second, now); });
  sweep_at_size_ = std::max(kMinSweepSize, 2 * hosts_.size());
  next_sweep_ = now + kSweepInterval;
}

HostLimiter::Host& HostLimiter::find_or_add(std::string_view key) {
  if (const auto found = hosts_.find(key); found != hosts_.end()) return found->second;
  return hosts_.try_emplace(std::string(key)).first->second;
}

HostAdmission HostLimiter::try_acquire(std::string_view key, time_point now) {
  sweep_if_due(now);
  Host& host = find_or_add(key);
  if (host.paused_until > now) return {.admitted = false, .retry_at = host.paused_until};
  // The cap before the rate, so that a request refused for the cap uses up no token.
  if (per_host_cap_ != 0 && host.in_flight >= per_host_cap_) return {};
  // Before the announced rate too: a refusal here must not use up the server's token.
  // The interval begins when the host's last request goes out; request_sent() says when.
  if (host.unsent > 0) return {};
  if (host.next_start > now) return {.admitted = false, .retry_at = host.next_start};
  if (host.rate && host.rate_until <= now) host.rate.reset();
  if (host.rate && !host.rate->try_take(1, now)) {
    // If the window ends before the next token, the host is unlimited from then on.
    return {.admitted = false, .retry_at = std::min(host.rate->ready_at(1, now), host.rate_until)};
  }
  ++host.in_flight;
  if (start_interval_ > std::chrono::nanoseconds::zero()) host.next_start = now + start_interval_;
  if (await_sends_) ++host.unsent;
  return {.admitted = true, .retry_at = std::nullopt};
}

void HostLimiter::await_sends() { await_sends_ = spaces_starts(); }

void HostLimiter::request_sent(std::string_view key, time_point now) {
  if (!await_sends_) return;
  const auto found = hosts_.find(key);
  if (found == hosts_.end() || found->second.unsent == 0) {
    assert(false && "request_sent without try_acquire");
    return;
  }
  --found->second.unsent;
  found->second.next_start = std::max(found->second.next_start, now + start_interval_);
}

void HostLimiter::release(std::string_view key, time_point now) {
  const auto found = hosts_.find(key);
  if (found == hosts_.end() || found->second.in_flight == 0) {
    assert(false && "release without try_acquire");
    return;
  }
  --found->second.in_flight;
  if (idle(found->second, now)) hosts_.erase(found);
}

std::size_t HostLimiter::in_flight(std::string_view key) const {
  const auto found = hosts_.find(key);
  return found == hosts_.end() ? 0 : found->second.in_flight;
}

void HostLimiter::pause_until(std::string_view key, time_point until) {
  // No sweep here: without the current time, idle hosts cannot be told from paused ones.
  // The next try_acquire sweeps.
  Host& host = find_or_add(key);
  host.paused_until = std::max(host.paused_until, until);
}

std::optional<HostLimiter::time_point> HostLimiter::paused_until(std::string_view key,
                                                                 time_point now) const {
  const auto found = hosts_.find(key);
  if (found == hosts_.end() || found->second.paused_until <= now) return std::nullopt;
  return found->second.paused_until;
}

void HostLimiter::observe_rate_limit(std::string_view key, std::uint64_t remaining,
                                     std::chrono::nanoseconds reset_in, time_point now) {
  if (reset_in <= std::chrono::nanoseconds::zero()) return;
  // Saturating: a caller's "forever" must not overflow the clock.
  const time_point announced = now + std::min(reset_in, time_point::max() - now);
  sweep_if_due(now);
  Host& host = find_or_add(key);
  // Servers state the reset in whole seconds rounded up, so each answer may place the end
  // of the window up to a second late, and a 1 s window would always say "1 s". While the
  // count left does not grow, the window has not renewed, and the earliest end announced is
  // the closest: spreading over the later one would leave a third of such a window unused.
  const bool same_window = host.window_end > now && remaining <= host.window_remaining;
  const time_point until = same_window ? std::min(host.window_end, announced) : announced;
  host.window_end = until;
  host.window_remaining = remaining;
  if (remaining == 0) {
    host.paused_until = std::max(host.paused_until, until);
    return;
  }
  const double rate =
      static_cast<double>(remaining) / std::chrono::duration<double>(until - now).count();
  if (host.rate && host.rate_until > now) {
    host.rate->set_rate(rate, now);
  } else {
    // Empty at first: the k-th request may start at k intervals, the last at the reset.
    host.rate.emplace(rate, 1.0, 0.0, now);
  }
  host.rate_until = until;
}

std::size_t HostLimiter::tracked_hosts() const { return hosts_.size(); }

}  // namespace sluice::detail
