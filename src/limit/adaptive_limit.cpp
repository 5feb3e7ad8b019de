// The -c auto controller: a latency gradient against a probed baseline, with AIMD backoff
// on overload failures. The constants were chosen with the simulations in
// tests/unit/adaptive_limit_test.cpp; the header explains the rules.
#include "limit/adaptive_limit.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sluice::detail {
namespace {

using Seconds = std::chrono::duration<double>;

// Samples the short average spans at least, and samples averaged before the first
// baseline: fewer would let one unlucky request set the baseline.
constexpr double kMinAverageSamples = 20;
// Latency may rise this much over the baseline before the gradient cuts: the averages
// are noisy, and a server with a small queue is busier than one with none.
constexpr double kTolerance = 1.25;
// Gradient2's floor: one round trip of high latency at most halves the target, so an
// outlier cannot collapse the limit.
constexpr double kMinGradient = 0.5;
// Gradient2's queue_size as a share of the limit, rather than Netflix's constant 4 or
// sqrt(limit): growth with flat latency is then +10 % per round trip at any size (1000 is
// reached in about 50 round trips from 10), and the settled latency inflation,
// kTolerance / (1 - kHeadroom), is the same at any size.
constexpr double kHeadroom = 0.2;
// How far one round trip of samples moves the limit toward its target.
constexpr double kSmoothing = 0.5;
// The AIMD multiplicative decrease (Netflix's AIMDLimit default).
constexpr double kBackoff = 0.9;
// Probe spacing: every 10 s, or every 100 round trips when that is longer (slow servers),
// so the few round trips a probe spends at half the limit stay a small share of the time.
constexpr Seconds kProbeEvery{10};
constexpr double kProbeEveryRoundTrips = 100;
// A probe averages two round trips of samples at the probe limit, between these counts:
// enough to average out noise, few enough to end quickly.
constexpr std::size_t kMinProbeSamples = 10;
constexpr std::size_t kMaxProbeSamples = 50;
// TimeSource resolution: a zero RTT (a cached error) must not become log(0).
constexpr Seconds kMinRtt{1e-6};

std::size_t checked_max(std::size_t max) {
  if (max == 0) throw std::invalid_argument("the maximum concurrency must be at least 1");
  return max;
}

}  // namespace

AdaptiveLimit::AdaptiveLimit(AdaptiveLimitSettings settings)
    : max_(static_cast<double>(checked_max(settings.max))),
      limit_(static_cast<double>(std::clamp<std::size_t>(settings.initial, 1, settings.max))) {}

std::size_t AdaptiveLimit::limit() const {
  std::lock_guard lock(mutex_);
  const auto estimate = static_cast<std::size_t>(limit_);
  // Drops during a probe may cut the estimate below the probe's limit.
  return probe_limit_ != 0 ? std::min(probe_limit_, estimate) : estimate;
}

void AdaptiveLimit::on_sample(std::chrono::nanoseconds rtt, std::size_t in_flight_at_start,
                              bool dropped, time_point now) {
  std::lock_guard lock(mutex_);
  if (dropped) {
    back_off(rtt, now);
    return;
  }
  const double log_rtt = std::log(std::max(Seconds(rtt), kMinRtt).count());
  ++samples_;
  // A plain mean until the span is reached, then an exponential average over the span.
  const double span = std::min(static_cast<double>(samples_), std::max(limit_, kMinAverageSamples));
  short_log_rtt_ += (log_rtt - short_log_rtt_) / span;

  if (!baseline_log_rtt_) {
    if (static_cast<double>(samples_) < kMinAverageSamples) return;
    baseline_log_rtt_ = short_log_rtt_;
    schedule_probe(now);
    return;
  }
  if (probe_limit_ != 0) {
    add_probe_sample(log_rtt, in_flight_at_start, now);
    return;
  }
  if (now >= next_probe_) {
    probe_limit_ = std::max<std::size_t>(1, static_cast<std::size_t>(limit_ / 2));
    probe_log_sum_ = 0;
    probe_samples_ = 0;
    return;
  }
  if (static_cast<double>(in_flight_at_start) < limit_ / 2) return;

  const double gradient =
      std::clamp(kTolerance * std::exp(*baseline_log_rtt_ - short_log_rtt_), kMinGradient, 1.0);
  const double target = limit_ * gradient + limit_ * kHeadroom;
  limit_ += (target - limit_) * kSmoothing / limit_;
  limit_ = std::clamp(limit_, 1.0, max_);
}

void AdaptiveLimit::back_off(std::chrono::nanoseconds rtt, time_point now) {
  // One round trip: the recent average, or before there is one the failed request's own.
  const Seconds round_trip = samples_ > 0 ? Seconds(std::exp(short_log_rtt_)) : Seconds(rtt);
  if (last_back_off_ && now - *last_back_off_ < round_trip) return;
  limit_ = std::max(1.0, limit_ * kBackoff);
  last_back_off_ = now;
}

void AdaptiveLimit::add_probe_sample(double log_rtt, std::size_t in_flight, time_point now) {
  // Requests started before the in-flight count fell to the probe limit say nothing new.
  if (in_flight > probe_limit_) return;
  probe_log_sum_ += log_rtt;
  ++probe_samples_;
  if (probe_samples_ < std::clamp(2 * probe_limit_, kMinProbeSamples, kMaxProbeSamples)) return;
  baseline_log_rtt_ = probe_log_sum_ / static_cast<double>(probe_samples_);
  probe_limit_ = 0;
  schedule_probe(now);
}

void AdaptiveLimit::schedule_probe(time_point now) {
  const Seconds round_trips(kProbeEveryRoundTrips * std::exp(*baseline_log_rtt_));
  next_probe_ =
      now + std::chrono::ceil<std::chrono::nanoseconds>(std::max(kProbeEvery, round_trips));
}

}  // namespace sluice::detail
