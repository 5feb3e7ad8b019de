// Turns a stop request into an abort once a grace period has passed.
#include "grace_timer.hpp"

#include <condition_variable>
#include <mutex>

namespace sluice::detail {

GraceTimer::GraceTimer(std::stop_token stop, std::chrono::milliseconds grace,
                       std::stop_source abort) {
  if (!stop.stop_possible()) return;
  thread_ = std::jthread([stop, grace, abort](std::stop_token done) mutable {
    std::mutex mutex;
    std::condition_variable_any wake;
    // Registered before the lock is taken: if the stop was already requested, the callback
    // runs right here and must not wait for a lock this thread holds.
    std::stop_callback on_stop(stop, [&] {
      std::lock_guard lock(mutex);
      wake.notify_all();
    });
    std::unique_lock lock(mutex);
    if (!wake.wait(lock, done, [&] { return stop.stop_requested(); })) return;
    if (!wake.wait_for(lock, done, grace, [] { return false; }) && !done.stop_requested()) {
      abort.request_stop();
    }
  });
}

}  // namespace sluice::detail
