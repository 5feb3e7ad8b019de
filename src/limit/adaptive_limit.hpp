// The concurrency limit of -c auto: raised while latency stays near its no-load level,
// cut when latency rises or requests fail for overload. After TCP Vegas and Netflix's
// concurrency-limits (Gradient2 for the latency rule, AIMD for the failure rule).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>

#include "limit/time_source.hpp"

namespace sluice::detail {

struct AdaptiveLimitSettings {
  std::size_t initial = 10;  // where the limit starts, clamped to [1, max]
  std::size_t max = 1000;    // --max-concurrency; at least 1
};

// The engine starts a request only while fewer than limit() are in flight, and reports
// every finished one to on_sample().
// How it works, in round trips (a limit of L yields about L samples per round trip):
//  - Latency is averaged in the log domain, so a few huge downloads among small ones do
//    not read as congestion: the short average spans about one round trip of samples.
//  - The baseline is the no-load latency: measured at the start, then again every 10 s
//    (or 100 round trips, if longer) by a probe that halves the limit until two round
//    trips' worth of requests started under it have finished (BBR's ProbeRTT). A plain
//    long-term average, as in Gradient2, learns the queueing the limit itself causes, and
//    the limit then creeps up without end (in simulation, from 79 to 265 within a minute
//    against a server of capacity 50); a baseline only ever lowered cannot follow a server
//    that truly became slower.
//  - gradient = clamp(1.25 x baseline / short, 0.5, 1); target = L x (gradient + 0.2);
//    each sample moves L by 0.5 / L of the way to the target, so a round trip moves it
//    half way. With flat latency that is +10 % per round trip; it settles where latency is
//    1.25 / 0.8 = 1.56 x the baseline (a little queueing keeps the server busy), and it
//    falls by up to 15 % per round trip when latency climbs past that.
//  - A dropped request (timeout, connection error, 429, 503) multiplies L by 0.9, at most
//    once per round trip, as TCP halves its window once per window of losses: the requests
//    of one overloaded moment fail together and should count as one signal.
//  - While fewer than L / 2 requests are in flight the engine, not the server, is the
//    bottleneck, and samples do not move the limit (Netflix's rule), so an idle stretch
//    cannot inflate it.
// Thread-safety: every member may be called concurrently (one mutex), as the thread
// engine's workers report samples. Lifetime: one per run.
class AdaptiveLimit {
 public:
  using time_point = TimeSource::time_point;

  // Throws std::invalid_argument if settings.max is 0.
  explicit AdaptiveLimit(AdaptiveLimitSettings settings = {});

  // One finished request: its round-trip time (start to finish), the number in flight
  // when it started (itself included), and whether it failed in a way that says "too much
  // load": a timeout, a connection error, 429 or 503. Dropped requests' times are not
  // averaged: a fast 503 is no sign of a fast server. Other failures (404, DNS, TLS) should
  // be reported as not dropped, or not at all.
  void on_sample(std::chrono::nanoseconds rtt, std::size_t in_flight_at_start, bool dropped,
                 time_point now);

  // Requests that may be in flight now, in [1, max].
  std::size_t limit() const;

 private:
  void back_off(std::chrono::nanoseconds rtt, time_point now);  // caller holds mutex_
  void add_probe_sample(double log_rtt, std::size_t in_flight,
                        time_point now);  // caller holds mutex_
  void schedule_probe(time_point now);    // caller holds mutex_

  const double max_;
  mutable std::mutex mutex_;
  // All guarded by mutex_. Times are natural logarithms of seconds.
  double limit_;                            // fractional, so that small steps add up
  std::size_t samples_ = 0;                 // samples averaged so far
  double short_log_rtt_ = 0;                // the average over about one round trip
  std::optional<double> baseline_log_rtt_;  // the no-load latency; none until warmed up
  std::optional<time_point> last_back_off_;
  time_point next_probe_{};
  std::size_t probe_limit_ = 0;  // the limit while probing; 0 when not probing
  double probe_log_sum_ = 0;
  std::size_t probe_samples_ = 0;
};

}  // namespace sluice::detail
