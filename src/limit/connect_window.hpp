// The connect window: how many new connections may be opening at once, per host and
// overall. It grows as connects succeed and shrinks when they fail or lose a SYN, as TCP's
// congestion window does, so that a run opens its connections at a pace the path and the
// servers' accept queues can take.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "limit/time_source.hpp"

namespace sluice::detail {

// How a transfer's wait for its connection ended (see ConnectWindow::end).
enum class ConnectOutcome {
  Reused,         // it went out on a connection already open, or never reached a connect
  Connected,      // it opened a new connection
  Retransmitted,  // it opened one, but only after its SYN was sent again: one was lost
  Failed,         // its connect was refused or timed out
};

// One window: the connects it counts in flight, its size, and Reno's threshold between
// slow start (one more per success: the window doubles per round) and congestion
// avoidance (one more per window of successes).
struct ConnectLane {
  std::size_t window = 0;
  std::size_t threshold = 0;  // slow start below it
  std::size_t in_flight = 0;
  std::size_t credit = 0;  // successes towards the next step above the threshold
  TimeSource::time_point last_change{};
  TimeSource::time_point holds_until{};  // no second decrease for one burst's failures
};

// Hosts are keys from host_key(); the empty key is counted overall only. Thread-safety:
// none; its owner (Admission) calls it under its own lock. Lifetime: one per run.
// A transfer counts as a connect in flight from its start until its request is about to
// go out (or it ends): libcurl does not say beforehand whether a transfer will reuse a
// connection, and one that does leaves the window at its first turn. So a run whose
// connections are open is not held back, and one that must open many opens `window` at
// a time. Memory: a host's lane is kept while it has connects in flight or changed in the
// last kForgetAfter; older idle lanes are swept, and their host starts afresh next time.
class ConnectWindow {
 public:
  using time_point = TimeSource::time_point;

  // After a decrease, the losses of the same burst are not taken for new ones: they come
  // back within Linux's initial SYN timeout of 1 s, as a window's losses within an RTT.
  static constexpr std::chrono::nanoseconds kHold = std::chrono::seconds(1);
  static constexpr std::chrono::nanoseconds kForgetAfter = std::chrono::seconds(10);
  // The largest window: far above any -c, and small enough never to overflow.
  static constexpr std::size_t kMaxWindow = std::size_t{1} << 20;

  // `initial` connects may be in flight per host and overall at first (at least 1).
  explicit ConnectWindow(std::size_t initial);

  // Whether a transfer to `host` may start now: both its host's lane and the overall one
  // have room.
  bool has_room(const std::string& host) const;
  bool overall_has_room() const { return overall_.in_flight < overall_.window; }
  // Counts a transfer to `host` as a connect in flight.
  void begin(const std::string& host, time_point now);
  // Ends what begin() counted.
  void end(const std::string& host, ConnectOutcome outcome, time_point now);

  std::size_t window(const std::string& host) const;
  std::size_t in_flight(const std::string& host) const;
  const ConnectLane& overall() const noexcept { return overall_; }

 private:
  ConnectLane fresh_lane(time_point now) const;
  void grow(ConnectLane& lane, time_point now) const;
  void shrink(ConnectLane& lane, time_point now) const;
  void sweep(time_point now);

  const std::size_t initial_;
  ConnectLane overall_;
  std::unordered_map<std::string, ConnectLane> hosts_;
  std::size_t ends_since_sweep_ = 0;
};

}  // namespace sluice::detail
