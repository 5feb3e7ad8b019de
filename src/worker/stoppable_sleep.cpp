// The stoppable sleep: a condition variable waited on with the stop token and no predicate
// that can hold, so only the time or the stop ends it.
#include "worker/stoppable_sleep.hpp"

#include <condition_variable>
#include <mutex>

namespace sluice::detail {

bool sleep_until_unless_stopped(std::chrono::steady_clock::time_point at, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any woken;
  std::unique_lock lock(mutex);
  woken.wait_until(lock, stop, at, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace sluice::detail
