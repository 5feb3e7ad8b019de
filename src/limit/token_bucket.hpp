// Token buckets: a rate with a bounded burst, in time the caller passes in. The bandwidth
// cap, --rate and the per-host rates the servers announce are all built on them.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <stop_token>

#include "limit/time_source.hpp"

namespace sluice::detail {

// The arithmetic of a token bucket, without a lock: for owners that already hold one
// (HostLimiter keeps a bucket per host under its own mutex) and for TokenBucket below.
// Tokens refill continuously at `rate` per second up to `burst`. A `now` earlier than one
// already seen adds nothing, so threads that read the clock before racing for a lock cannot
// create tokens by arriving out of order.
// The level may go negative: a reservation, or a take larger than the burst, borrows from
// the future, and later takers wait until the debt is paid. That keeps the long-run rate
// exact and lets a take larger than the burst through instead of refusing it forever.
// Thread-safety: none. Lifetime: a plain value.
class BasicTokenBucket {
 public:
  using time_point = TimeSource::time_point;

  // Starts full. Throws std::invalid_argument unless rate (tokens per second) and burst
  // (tokens) are finite and positive.
  BasicTokenBucket(double rate, double burst);
  // Starts with `tokens` (capped at the burst, may be negative) as of `now`.
  BasicTokenBucket(double rate, double burst, double tokens, time_point now);

  // Takes `tokens` if the bucket holds them, else takes nothing. A request above the burst
  // succeeds once the bucket is full and leaves it in debt; callers should not need that
  // (each chunk or request fits in the burst), but a larger one must not wait forever.
  bool try_take(double tokens, time_point now);
  // The earliest time at which try_take(tokens) succeeds if nobody takes meanwhile: `now`
  // if it would succeed now, time_point::max() for a wait beyond 100 years. Exact to the
  // nanosecond: try_take succeeds at the returned time and fails one nanosecond earlier.
  time_point ready_at(double tokens, time_point now) const;
  // Takes `tokens` unconditionally, borrowing what the bucket lacks, and returns when the
  // debt is paid: the time from which the taker may use them (`now` if the bucket held
  // them). Successive reservations are served in order, each after the previous one.
  time_point reserve(double tokens, time_point now);
  // Returns the tokens of a reservation its taker never used (capped at the burst).
  void give_back(double tokens, time_point now);
  // Changes the rate from `now` on; the tokens earned until `now` keep the old one.
  void set_rate(double rate, time_point now);
  // Changes the burst from `now` on; a level above the new burst is cut to it.
  void set_burst(double burst, time_point now);

  // The level at `now`; negative while in debt.
  double available(time_point now) const;
  double rate() const noexcept { return rate_; }
  double burst() const noexcept { return burst_; }

 private:
  double level_at(time_point now) const;
  // Moves the level to `now`; only before a change, see try_take.
  void refill(time_point now);
  // The first time from `now` at which the level is at least `level` (<= burst).
  time_point when_level_reaches(double level, time_point now) const;

  double rate_;
  double burst_;
  double tokens_;
  time_point updated_;  // the time of the last change, which tokens_ is the level at
};

// A BasicTokenBucket shared between threads, with a blocking take for worker threads.
// Thread-safety: every member is safe to call concurrently (one mutex). Lifetime: must
// outlive every thread blocked in take_blocking.
class TokenBucket {
 public:
  using time_point = TimeSource::time_point;

  // Starts full; throws std::invalid_argument like BasicTokenBucket.
  TokenBucket(double rate, double burst);

  // The non-blocking form, for an event loop; see BasicTokenBucket.
  time_point reserve(double tokens, time_point now);

  // Blocking form, for worker threads: reserves `tokens` and sleeps on `clock` until they
  // are paid for. Reserving first (rather than sleeping until tokens appear and retrying)
  // serves waiting threads in order and wakes each once, instead of waking them all
  // whenever tokens appear. Returns false when `stop` is requested first; the reservation
  // is then given back.
  bool take_blocking(double tokens, std::stop_token stop, TimeSource& clock = real_time_source());

  // Retargets the bucket from `now` on (--max-bandwidth auto's learned pace); throws
  // std::invalid_argument like the constructor. Reservations already made keep their times.
  void set_rate(double rate, double burst, time_point now);

  double available(time_point now) const;
  double rate() const noexcept { return rate_.load(std::memory_order_relaxed); }
  double burst() const noexcept { return burst_.load(std::memory_order_relaxed); }

 private:
  // Copies of the bucket's, readable without the lock; relaxed, as a reader wants a recent
  // value, not one ordered with the bucket's level.
  std::atomic<double> rate_;
  std::atomic<double> burst_;
  mutable std::mutex mutex_;
  BasicTokenBucket bucket_;  // guarded by mutex_
};

}  // namespace sluice::detail
