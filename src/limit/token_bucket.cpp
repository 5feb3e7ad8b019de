// Token bucket arithmetic in doubles, with readiness times rounded up to whole nanoseconds
// and checked against the same arithmetic that try_take uses.
#include "limit/token_bucket.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace sluice::detail {
namespace {

using std::chrono::nanoseconds;
using Seconds = std::chrono::duration<double>;

// Far enough to mean "never", near enough that adding it to any steady_clock reading stays
// far from the int64 nanosecond limit (about 292 years).
constexpr double kNeverSeconds = 100.0 * 365 * 24 * 3600;

void check_positive(double value, const char* what) {
  if (!std::isfinite(value) || value <= 0) {
    throw std::invalid_argument(std::string("token bucket ") + what +
                                " must be a positive number, not " + std::to_string(value));
  }
}

}  // namespace

BasicTokenBucket::BasicTokenBucket(double rate, double burst)
    : BasicTokenBucket(rate, burst, burst, time_point{}) {}

BasicTokenBucket::BasicTokenBucket(double rate, double burst, double tokens, time_point now)
    : rate_(rate), burst_(burst), tokens_(std::min(tokens, burst)), updated_(now) {
  check_positive(rate, "rate");
  check_positive(burst, "burst");
}

double BasicTokenBucket::level_at(time_point now) const {
  if (now <= updated_) return tokens_;
  return std::min(burst_, tokens_ + Seconds(now - updated_).count() * rate_);
}

void BasicTokenBucket::refill(time_point now) {
  if (now <= updated_) return;
  tokens_ = level_at(now);
  updated_ = now;
}

BasicTokenBucket::time_point BasicTokenBucket::when_level_reaches(double level,
                                                                  time_point now) const {
  // Before updated_ the level stands still, so the search starts at the later of the two.
  const time_point from = std::max(now, updated_);
  const double missing = level - level_at(from);
  if (missing <= 0) return now;
  const double seconds = missing / rate_;
  if (seconds > kNeverSeconds) return time_point::max();
  time_point ready = from + std::chrono::ceil<nanoseconds>(Seconds(seconds));
  // The division and the conversion to nanoseconds may each be an ulp off either way.
  // Stepping until level_at agrees makes the answer exact by construction: try_take
  // succeeds at `ready` and not a nanosecond before.
  while (level_at(ready) < level) ready += nanoseconds(1);
  while (ready > from && level_at(ready - nanoseconds(1)) >= level) ready -= nanoseconds(1);
  return ready;
}

bool BasicTokenBucket::try_take(double tokens, time_point now) {
  // A refusal changes nothing: refilling on every poll would add up rounding errors, and
  // the time ready_at promised could then come a hair short of the tokens.
  if (level_at(now) < std::min(tokens, burst_)) return false;
  refill(now);
  tokens_ -= tokens;
  return true;
}

BasicTokenBucket::time_point BasicTokenBucket::ready_at(double tokens, time_point now) const {
  return when_level_reaches(std::min(tokens, burst_), now);
}

BasicTokenBucket::time_point BasicTokenBucket::reserve(double tokens, time_point now) {
  refill(now);
  tokens_ -= tokens;
  return when_level_reaches(0, now);
}

void BasicTokenBucket::give_back(double tokens, time_point now) {
  refill(now);
  tokens_ = std::min(burst_, tokens_ + tokens);
}

void BasicTokenBucket::set_rate(double rate, time_point now) {
  check_positive(rate, "rate");
  refill(now);
  rate_ = rate;
}

void BasicTokenBucket::set_burst(double burst, time_point now) {
  check_positive(burst, "burst");
  refill(now);
  burst_ = burst;
  tokens_ = std::min(tokens_, burst_);
}

double BasicTokenBucket::available(time_point now) const { return level_at(now); }

TokenBucket::TokenBucket(double rate, double burst)
    : rate_(rate), burst_(burst), bucket_(rate, burst) {}

TokenBucket::time_point TokenBucket::reserve(double tokens, time_point now) {
  std::lock_guard lock(mutex_);
  return bucket_.reserve(tokens, now);
}

bool TokenBucket::take_blocking(double tokens, std::stop_token stop, TimeSource& clock) {
  const time_point now = clock.now();
  const time_point paid = reserve(tokens, now);
  if (paid <= now || clock.sleep_until(paid, stop)) return true;
  std::lock_guard lock(mutex_);
  bucket_.give_back(tokens, clock.now());
  return false;
}

void TokenBucket::set_rate(double rate, double burst, time_point now) {
  std::lock_guard lock(mutex_);
  bucket_.set_rate(rate, now);
  bucket_.set_burst(burst, now);
  rate_.store(rate, std::memory_order_relaxed);
  burst_.store(burst, std::memory_order_relaxed);
}

double TokenBucket::available(time_point now) const {
  std::lock_guard lock(mutex_);
  return bucket_.available(now);
}

}  // namespace sluice::detail
