// Turns a stop request into an abort once a grace period has passed.
#pragma once

#include <chrono>
#include <stop_token>
#include <thread>

namespace sluice::detail {

// Thread-safety: built and destroyed by one thread; its own thread only waits and then
// requests `abort`. Lifetime: destroying it ends the wait, so a run that finished within
// the grace period is never aborted afterwards.
class GraceTimer {
 public:
  // Starts no thread when `stop` can never be requested.
  GraceTimer(std::stop_token stop, std::chrono::milliseconds grace, std::stop_source abort);

 private:
  std::jthread thread_;
};

}  // namespace sluice::detail
