// A job-wide --rate: one GCRA schedule in Redis that every worker of the job reserves its
// starts on, so that N workers together start at most RATE requests per second.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <stop_token>

#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

// Thread-safety: none; the feeder's. Lifetime: uses `link` and `keys` for its own.
class JobRate {
 public:
  JobRate(RedisLink& link, const JobKeys& keys, double per_second);

  // Reserves `count` evenly spaced starts on the job's schedule (one script call) and
  // returns when the first may go, on the steady clock; the others follow interval() apart.
  std::expected<std::chrono::steady_clock::time_point, RedisFailure> reserve(std::size_t count,
                                                                             std::stop_token stop);
  std::chrono::microseconds interval() const noexcept { return interval_; }
  // How many entries to read at once: about 100 ms of the rate, so that one batch's
  // reservations do not run far ahead of the starts.
  std::size_t batch() const noexcept;

 private:
  RedisLink& link_;
  const JobKeys& keys_;
  const std::chrono::microseconds interval_;
};

}  // namespace sluice::detail
