// The phases of the link controller: one decision per interval from the delivery rate and
// the interval's smallest round trip, and the base round trip kept fresh.
#include "limit/link_controller.hpp"

#include <algorithm>
#include <utility>

namespace sluice::detail {
namespace {

using Seconds = std::chrono::duration<double>;

// BBR's Startup doubles its rate each round trip (gain 2/ln 2 per RTT); doubling per fast
// interval overshoots the link by at most 2x for one fast interval before the queue shows.
constexpr double kStartupGain = 2.0;
// Below the link, so a queue drains in a few intervals (BBR's Drain, with a milder gain as
// the overshoot is one fast interval, not a window of round trips).
constexpr double kDrainGain = 0.80;
// BBR's own drain gain (1 / 2.89), for a queue longer than kDeepQueueTargets targets: a
// link that got slower under a cruising pace fills its whole buffer before the next sample.
constexpr double kDeepDrainGain = 0.35;
constexpr int kDeepQueueTargets = 4;
// Cruising 5 % under the learned rate keeps the queue empty in spite of the error of a
// rate measured at 25-100 ms granularity, and still uses >= 90 % of the link.
constexpr double kCruiseGain = 0.95;
// Probing 10 % above the learned rate: enough to tell a faster link within a few fast
// intervals, while what it queues on an unchanged link (0.1 x a fast interval) stays far
// below the target.
constexpr double kProbeGain = 1.10;
// Once a probe sees more delivered than learned, it climbs this much per fast interval.
constexpr double kProbeClimbGain = 1.25;
constexpr double kRiseSeen = 1.05;  // delivery this much above the learned rate is news
// Fast intervals a probe lasts: the senders need a round trip or two to follow the pace, and
// one fast interval's delivery is too noisy (bytes arrive a window at a time) to learn from;
// the probe learns from its average.
constexpr int kProbeUpIntervals = 6;
// Drain intervals that leave the delay where it was (within a fifth of the target): the delay is
// not our queue (the path's base round trip rose), so the base is learned anew instead of pacing
// lower and lower (Vegas's weakness on a rerouted path).
constexpr int kMaxDrainIntervals = 8;
constexpr double kProbeRttGain = 0.5;
// Vegas's test: delivery this far below the pace (the expected rate) with a standing queue
// means the link, not the pace, set the rate. Within it, a queue is not proof of a slower
// link (the base round trip may have risen), and the learned rate stays.
constexpr double kShortOfPace = 0.97;
// One interval's delivery may lack bytes that the next one holds (sockets read late on a
// busy machine): one sample cuts the learned rate by at most this factor, and a drain
// learns from its average once it held for this many intervals.
constexpr double kMaxCut = 0.7;
constexpr int kBoundIntervals = 2;

double drain_gain(std::chrono::nanoseconds queueing, std::chrono::nanoseconds target) {
  return queueing > target * kDeepQueueTargets ? kDeepDrainGain : kDrainGain;
}

}  // namespace

LinkController::LinkController(LinkControllerSettings settings, Publish publish)
    : settings_(settings), publish_(std::move(publish)), pacing_rate_(settings.initial_rate) {}

void LinkController::on_delivered(std::uint64_t bytes, time_point now) {
  std::lock_guard lock(mutex_);
  advance(now);
  if (!interval_start_) {
    interval_start_ = now;
    phase_start_ = now;
    base_rtt_seen_ = now;
  }
  interval_bytes_ += bytes;
}

void LinkController::on_rtt(std::chrono::nanoseconds rtt, time_point now) {
  std::lock_guard lock(mutex_);
  advance(now);
  if (!base_rtt_ || rtt <= *base_rtt_) {
    base_rtt_ = rtt;
    base_rtt_seen_ = now;
  } else if (rtt <= *base_rtt_ + settings_.target_delay / 4) {
    base_rtt_seen_ = now;  // the queue was seen near empty: the base still holds
  }
  if (!interval_min_rtt_ || rtt < *interval_min_rtt_) interval_min_rtt_ = rtt;
  if (phase_ == LinkPhase::ProbeRtt && (!probe_min_rtt_ || rtt < *probe_min_rtt_)) {
    probe_min_rtt_ = rtt;
  }
}

double LinkController::pacing_rate() const {
  std::lock_guard lock(mutex_);
  return pacing_rate_;
}

double LinkController::link_rate() const {
  std::lock_guard lock(mutex_);
  return link_rate_;
}

LinkPhase LinkController::phase() const {
  std::lock_guard lock(mutex_);
  return phase_;
}

std::optional<std::chrono::nanoseconds> LinkController::base_rtt() const {
  std::lock_guard lock(mutex_);
  return base_rtt_;
}

std::chrono::nanoseconds LinkController::interval_length() const {
  const bool fast = phase_ != LinkPhase::Cruise;
  const auto length = fast ? settings_.fast_interval : settings_.interval;
  // A rate sample spans a few round trips, or a rate change could not show within it.
  return base_rtt_ ? std::max(length, *base_rtt_ * 2) : length;
}

void LinkController::advance(time_point now) {
  if (interval_start_ && now - *interval_start_ >= interval_length()) end_interval(now);
}

void LinkController::set_pacing(double rate, time_point now) {
  // A learned rate is news even when the pace holds: Startup keeps the starting pace until
  // delivery reaches half of it, and --stats-log showed no rate for such a run.
  if (rate == pacing_rate_ && link_rate_ == published_link_rate_) return;
  pacing_rate_ = rate;
  published_link_rate_ = link_rate_;
  if (publish_) publish_(pacing_rate_, link_rate_, now);
}

void LinkController::enter(LinkPhase phase, time_point now) {
  phase_ = phase;
  phase_start_ = now;
  phase_intervals_ = 0;
  probe_min_rtt_.reset();
  probe_bytes_ = 0;
  probe_seconds_ = 0;
  bound_intervals_ = 0;
  if (phase == LinkPhase::Cruise) next_probe_up_ = now + settings_.probe_up_every;
}

void LinkController::start_drain(std::chrono::nanoseconds queueing, time_point now) {
  enter(LinkPhase::Drain, now);
  last_queueing_ = queueing;
  set_pacing(drain_gain(queueing, settings_.target_delay) * link_rate_, now);
}

void LinkController::end_interval(time_point now) {
  const double seconds = Seconds(now - *interval_start_).count();
  const double delivered = static_cast<double>(interval_bytes_) / seconds;
  const auto min_rtt = interval_min_rtt_;
  interval_start_ = now;
  interval_bytes_ = 0;
  interval_min_rtt_.reset();
  // An idle interval says nothing about the link.
  if (delivered <= 0) return;

  // LEDBAT: the queueing delay is the round trip above its base, compared with a target.
  const auto queueing = (min_rtt && base_rtt_) ? *min_rtt - *base_rtt_ : std::chrono::nanoseconds{};
  const bool queued = queueing > settings_.target_delay;
  const bool drained = queueing <= settings_.target_delay / 2;
  const bool base_stale = now - base_rtt_seen_ >= settings_.base_rtt_lifetime;
  const bool link_bound = queued && delivered < kShortOfPace * pacing_rate_;

  switch (phase_) {
    case LinkPhase::Startup:
      link_rate_ = std::max(link_rate_, delivered);
      if (queued) {
        // Paced above the link, the receiver got the link's rate.
        link_rate_ = delivered;
        start_drain(queueing, now);
      } else {
        set_pacing(std::max(settings_.initial_rate, kStartupGain * link_rate_), now);
      }
      return;
    case LinkPhase::Drain: {
      probe_bytes_ += delivered * seconds;
      probe_seconds_ += seconds;
      // Vegas: still a queue although paced below the learned rate, so the link got slower
      // (or others share it): what got through is its rate now. Averaged over the drain, as
      // one interval may hold the bytes of two when the sockets were read late.
      if (link_bound && ++bound_intervals_ >= kBoundIntervals) {
        link_rate_ = std::min(link_rate_, probe_bytes_ / probe_seconds_);
      }
      if (drained) {
        enter(LinkPhase::Cruise, now);
        set_pacing(kCruiseGain * link_rate_, now);
        return;
      }
      const bool falling = queueing < last_queueing_ - settings_.target_delay / 5;
      last_queueing_ = queueing;
      phase_intervals_ = falling ? 0 : phase_intervals_ + 1;
      if (phase_intervals_ >= kMaxDrainIntervals && min_rtt) {
        base_rtt_ = *min_rtt;
        base_rtt_seen_ = now;
        enter(LinkPhase::Cruise, now);
        set_pacing(kCruiseGain * link_rate_, now);
        return;
      }
      set_pacing(drain_gain(queueing, settings_.target_delay) * link_rate_, now);
      return;
    }
    case LinkPhase::Cruise:
      if (queued) {
        // Vegas: what the link gives now. A queue while delivery kept up with the pace
        // may be a link only a little slower than learned: step down a little.
        link_rate_ =
            link_bound ? std::max(kMaxCut * link_rate_, delivered) : kShortOfPace * link_rate_;
        start_drain(queueing, now);
      } else if (base_stale) {
        enter(LinkPhase::ProbeRtt, now);
        set_pacing(kProbeRttGain * link_rate_, now);
      } else if (now >= next_probe_up_) {
        enter(LinkPhase::ProbeUp, now);
        set_pacing(kProbeGain * link_rate_, now);
      }
      return;
    case LinkPhase::ProbeUp: {
      if (queued) {
        if (link_bound) link_rate_ = std::max(kMaxCut * link_rate_, delivered);
        start_drain(queueing, now);
        return;
      }
      probe_bytes_ += delivered * seconds;
      probe_seconds_ += seconds;
      if (++phase_intervals_ < kProbeUpIntervals) return;
      // No queue although paced above the learned rate: all that arrived, the link carried.
      const double average = probe_bytes_ / probe_seconds_;
      const bool rose = average >= kRiseSeen * link_rate_;
      link_rate_ = std::max(link_rate_, average);
      if (rose) {
        // BBR: a delivery rate above the estimate is a faster link; climb until it queues.
        enter(LinkPhase::ProbeUp, now);
        set_pacing(kProbeClimbGain * link_rate_, now);
      } else {
        enter(LinkPhase::Cruise, now);
        set_pacing(kCruiseGain * link_rate_, now);
      }
      return;
    }
    case LinkPhase::ProbeRtt:
      if (now - phase_start_ >= settings_.probe_rtt_duration) {
        // Whatever the queue-free minimum is now becomes the base, also when it is higher:
        // the path may have changed.
        if (probe_min_rtt_) base_rtt_ = *probe_min_rtt_;
        base_rtt_seen_ = now;
        enter(LinkPhase::Cruise, now);
        set_pacing(kCruiseGain * link_rate_, now);
      }
      return;
  }
}

}  // namespace sluice::detail
