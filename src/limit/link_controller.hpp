// --max-bandwidth auto: learns the capacity of the link a run's bodies cross and paces all
// transfers together just under it, so the link's queue stays near empty. After BBR
// (bandwidth probing, ProbeRTT), LEDBAT (a target queueing delay) and TCP Vegas.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "limit/time_source.hpp"

namespace sluice::detail {

struct LinkControllerSettings {
  double initial_rate = 2 << 20;  // bytes per second until the first rate is measured
  // One delivery-rate sample while the rate is being searched for (startup, probing,
  // draining); short, so that an overshoot is noticed before it fills the queue.
  std::chrono::nanoseconds fast_interval = std::chrono::milliseconds(25);
  // One sample while cruising; long enough to smooth the chunked arrival of bytes.
  std::chrono::nanoseconds interval = std::chrono::milliseconds(100);
  // LEDBAT's target: the queueing delay above the base round trip that means "the link is
  // full". LEDBAT uses 100 ms for background traffic; 2 ms keeps others' traffic within
  // 2 ms of idle at 100 Mbit/s, where 5 ms did not (docs/link.md).
  std::chrono::nanoseconds target_delay = std::chrono::milliseconds(2);
  // How often a cruising controller checks whether the link got faster.
  std::chrono::nanoseconds probe_up_every = std::chrono::seconds(2);
  // BBR's min-RTT window: a base round trip not seen again for this long is measured anew.
  std::chrono::nanoseconds base_rtt_lifetime = std::chrono::seconds(10);
  std::chrono::nanoseconds probe_rtt_duration = std::chrono::milliseconds(200);
};

enum class LinkPhase {
  Startup,   // doubling the rate each fast interval until a queue forms (BBR's Startup)
  Drain,     // below the learned rate until the queue it built is gone (BBR's Drain)
  Cruise,    // just under the learned rate (BBR's ProbeBW cruise)
  ProbeUp,   // a little above it, to see whether the link got faster (BBR's ProbeBW up)
  ProbeRtt,  // at half of it, to see the base round trip again (BBR's ProbeRTT)
};

// Fed what a receiver sees: the body bytes delivered to it and round-trip samples of its
// sockets (TCP_INFO's tcpi_rcv_rtt, which includes the time data spent in the link's queue);
// it sets the pacing rate of the run's shared byte bucket through `publish`.
// The model: the link delivers at most its rate C; paced above C, the receiver still gets C
// and the queue grows, so the round trip rises above its base; paced below C, it gets what
// it paces and the queue drains. Each interval compares the delivery rate with the queueing
// delay (the interval's smallest round trip minus the base: a standing queue raises every
// sample, a burst or a slow socket only some):
//  - queueing delay above the target: the link was full, so what got through is its rate
//    (Vegas: the actual rate fell short of the expected one by what queued); learn it and
//    drain below it;
//  - otherwise delivery at the pace says nothing about C beyond "at least this"; delivery
//    below the pace is the run's own limit (few transfers, -c, the server), never lowers
//    the learned rate, and caps how far the pace may rise above it (as BBR's app-limited
//    samples).
// Thread-safety: every member may be called from any thread (one mutex); `publish` is called
// with that mutex held, so publications arrive in order; it must not call back in.
// Lifetime: one per run.
class LinkController {
 public:
  using time_point = TimeSource::time_point;
  // The new pacing rate and the learned link rate (0 until known), in bytes per second.
  using Publish = std::function<void(double pacing_rate, double link_rate, time_point now)>;

  LinkController(LinkControllerSettings settings, Publish publish);

  // Body bytes the receiver took in at `now`.
  void on_delivered(std::uint64_t bytes, time_point now);
  // One round-trip sample of a socket carrying a body.
  void on_rtt(std::chrono::nanoseconds rtt, time_point now);

  double pacing_rate() const;
  // The link's rate as learned so far; 0 until a first interval ended.
  double link_rate() const;
  LinkPhase phase() const;
  std::optional<std::chrono::nanoseconds> base_rtt() const;

 private:
  // All private members: caller holds mutex_.
  void advance(time_point now);
  void end_interval(time_point now);
  void enter(LinkPhase phase, time_point now);
  void start_drain(std::chrono::nanoseconds queueing, time_point now);
  std::chrono::nanoseconds interval_length() const;
  void set_pacing(double rate, time_point now);

  const LinkControllerSettings settings_;
  const Publish publish_;
  mutable std::mutex mutex_;
  // All guarded by mutex_.
  LinkPhase phase_ = LinkPhase::Startup;
  time_point phase_start_{};
  double pacing_rate_;
  double link_rate_ = 0;
  double published_link_rate_ = 0;
  std::optional<time_point> interval_start_;  // none before the first byte
  std::uint64_t interval_bytes_ = 0;
  std::optional<std::chrono::nanoseconds> interval_min_rtt_;
  std::optional<std::chrono::nanoseconds> base_rtt_;
  time_point base_rtt_seen_{};  // when a round trip near the base was last seen
  std::optional<std::chrono::nanoseconds> probe_min_rtt_;  // ProbeRtt's smallest sample
  time_point next_probe_up_{};
  // Drain: intervals that left the delay above the target; ProbeUp: intervals without news.
  int phase_intervals_ = 0;
  std::chrono::nanoseconds last_queueing_{};  // Drain: the previous interval's delay
  double probe_bytes_ = 0;                    // ProbeUp and Drain: delivered during this phase
  double probe_seconds_ = 0;
  int bound_intervals_ = 0;  // Drain: intervals in which the link set the rate
};

}  // namespace sluice::detail
