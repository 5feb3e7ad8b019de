// The receive window that all of a run's connections may offer together under a bandwidth
// cap: rate x (base round trip + a small target delay), shared among the transfers that
// receive, which start one at a time so that c connections never open c windows at once.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>

#include "limit/time_source.hpp"

namespace sluice::detail {

// What the bottleneck's queue sees is the sum of the windows the receiver offers, not the
// rate at which it reads: a sender may always put a whole window on the wire, and on a
// path without propagation delay every byte of it waits in the bottleneck's queue. Bounding
// the sum to rate x (base RTT + target delay) holds the queue near the target delay from the
// first packet, whatever the reads do (LEDBAT's target queueing delay, enforced by the
// window instead of measured by the sender). The base RTT is the least round trip the
// sockets saw in the last 10 s (BBR's min_rtt filter); before any sample it is 0, so a run
// starts with the smallest budget and widens it once it knows the path.
//
// The budget is split into windows of 16 KiB (at least 8 KiB; more when the run's
// concurrency allows fewer receivers), one per receiving transfer: `receivers()` may receive
// a body at once, each socket gets `receive_buffer()` as its SO_RCVBUF before it connects,
// and a new transfer may start only after the window of the previous start has drained at
// the rate (`start_at`). A transfer receives from its first body byte to its end: one that
// waits for its answer offers a window but fills none, so a cap never serializes transfers
// that wait for their servers. The ramp is what keeps their windows from filling at once:
// each start is charged the window it may fill, and a transfer that ends having received
// less is refunded the rest (`ended`). What a start may fill is a whole window until
// transfers have ended, then the largest body of the last kSizesKept that ended, if that is
// less: charged whole windows, answers of a few hundred bytes ran one at a time (a window's
// drain apart) at a low rate, and as they never delivered at the pace, the rate that would
// widen the ramp was never learned. A larger body than the run has seen costs at most the
// receivers() windows that may receive before it has ended and the charge is whole again.
//
// set_rate() is the seam for a controller that learns the rate (--max-bandwidth auto): the
// budget follows it for the sockets and starts that come after the call.
// Thread-safety: every member is safe to call concurrently (one mutex). Lifetime: a value
// owned by the run's limits; must outlive the transfers that ask it.
class WindowBudget {
 public:
  using time_point = TimeSource::time_point;

  // The queueing delay the window allows beyond the base round trip.
  static constexpr std::chrono::microseconds kTargetDelay{3000};
  // A window per receiver: at least about four segments, as fewer stall on delayed ACKs
  // (kMinWindow); as a rule no more than kSplitWindow (CURL_MAX_WRITE_SIZE), so that one
  // read's window update is a short burst; larger only when the concurrency leaves too few
  // receivers.
  static constexpr std::size_t kMinWindow = 8 * 1024;
  static constexpr std::size_t kSplitWindow = 16 * 1024;
  // SO_RCVBUF per byte of window: Linux doubles the value for its bookkeeping and offers
  // as window the share of that its packets carry as payload (tcp_win_from_space's
  // scaling_ratio; measured on a veth link, kernel 6.18: rcv_ssthresh 15.2 kB for 10 KiB
  // set, 1.5 x the value).
  static constexpr double kBufferPerWindow = 0.67;
  // How long a base RTT sample counts before a larger one may replace it.
  static constexpr std::chrono::seconds kRttWindow{10};
  // How far a start may run ahead of the ramp. An event loop waits in whole milliseconds
  // (epoll_wait), so a finer step started one transfer per wait: answers of a hundred bytes
  // at a pace of 7 MB/s, due 12 us apart, ran 4 at a time of c=50 on loopback. What it lets
  // through early is a millisecond of the rate.
  static constexpr std::chrono::milliseconds kRampAhead{1};
  // The body sizes that set a start's charge: the last transfers that ended.
  static constexpr std::size_t kSizesKept = 32;

  // Throws std::invalid_argument unless the rate is finite and positive; `max_receivers`
  // (the run's concurrency, at least 1) bounds receivers().
  WindowBudget(double bytes_per_second, std::size_t max_receivers);

  // Retargets the budget to a new rate (bytes per second, finite and positive, else
  // std::invalid_argument); open sockets keep the windows they were given.
  void set_rate(double bytes_per_second);
  double rate() const;

  // A round trip a socket measured (TCP_INFO's tcpi_min_rtt); a zero sample is ignored.
  void observe_rtt(std::chrono::microseconds rtt, time_point now);
  // The least round trip seen, kept until a smaller one comes or kRttWindow has passed and
  // a sample replaces it (with no traffic there is no better estimate); zero before any.
  std::chrono::microseconds base_rtt() const;

  // rate x (base RTT + kTargetDelay), in bytes.
  double total_window() const;
  // How many transfers may receive at once: one window of kSplitWindow each, at least one.
  std::size_t receivers() const;
  // The window, in bytes, for each receiver: the budget split over receivers(), at least
  // kMinWindow, in whole KiB.
  double window() const;
  // The SO_RCVBUF to set before connect for about window() as the socket's window.
  int receive_buffer() const;

  // When a new transfer may start while `receiving` transfers receive a body: `now` or a
  // later time (the ramp, less kRampAhead), nullopt while receivers() already receive
  // (until one ends).
  std::optional<time_point> start_at(std::size_t receiving, time_point now) const;
  // Records a start, charged what it may fill; the next start waits until that drained.
  void started(time_point now);
  // A started transfer ended having received `received` body bytes: what it left unused of
  // its charge moves the next start earlier, and its size joins those that set the charge.
  void ended(std::uint64_t received);
  // What a start is charged, in bytes: window(), or less once transfers have ended (above).
  double charge() const;

 private:
  double total_window_locked() const;
  std::size_t receivers_locked() const;
  double window_locked() const;
  double charge_locked() const;

  const std::size_t max_receivers_;
  mutable std::mutex mutex_;
  double rate_;                           // guarded by mutex_
  std::chrono::microseconds min_rtt_{0};  // guarded by mutex_; zero: no sample yet
  time_point min_rtt_at_{};               // guarded by mutex_
  std::optional<time_point> next_start_;  // guarded by mutex_
  // Guarded by mutex_: the body sizes of the last transfers that ended, the oldest
  // overwritten first, and how many ended in all.
  std::array<std::uint64_t, kSizesKept> sizes_{};
  std::uint64_t ended_ = 0;
};

}  // namespace sluice::detail
