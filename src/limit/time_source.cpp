// The real time source: steady_clock time and sleeps that end early on a stop request.
#include "limit/time_source.hpp"

#include <condition_variable>
#include <mutex>

namespace sluice::detail {
namespace {

class RealTimeSource final : public TimeSource {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }

  bool sleep_until(time_point deadline, std::stop_token stop) override {
    // A private mutex and condition variable per sleep: nothing else ever notifies them, so
    // the wait ends only at the deadline or through the stop callback that
    // condition_variable_any registers on `stop`.
    std::mutex mutex;
    std::condition_variable_any woken;
    std::unique_lock lock(mutex);
    woken.wait_until(lock, stop, deadline, [] { return false; });
    return !stop.stop_requested();
  }
};

}  // namespace

TimeSource& real_time_source() {
  static RealTimeSource source;
  return source;
}

}  // namespace sluice::detail
