// The time source of the limiters' blocking forms: the real steady clock in a run, one
// that tests move by hand, so no limiter test ever sleeps.
#pragma once

#include <chrono>
#include <stop_token>

namespace sluice::detail {

// An interface, not a template parameter, so each limiter is compiled once and the engines
// never see a clock type. Thread-safety: implementations are safe to use from any thread.
class TimeSource {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~TimeSource() = default;
  virtual time_point now() const = 0;
  // Returns once `deadline` has come (true) or `stop` is requested (false, also when both).
  virtual bool sleep_until(time_point deadline, std::stop_token stop) = 0;
};

// std::chrono::steady_clock, sleeping on a condition variable that a stop request wakes.
// Lifetime: lives as long as the program.
TimeSource& real_time_source();

}  // namespace sluice::detail
