// Worker threads' slots under the window budget: wait for a free one and the ramp's time.
#include "engines/receiver_slots.hpp"

#include <algorithm>
#include <chrono>

namespace sluice::detail {
namespace {

// The budget may widen without anyone leaving (a smaller round trip, a new rate): waiters
// look again this often.
constexpr auto kRecheck = std::chrono::milliseconds(100);

}  // namespace

bool ReceiverSlots::enter(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    const auto at = budget_.start_at(running_, now);
    if (at && *at <= now) {
      ++running_;
      budget_.started(now);
      return true;
    }
    const auto until = at ? std::min(*at, now + kRecheck) : now + kRecheck;
    const std::uint64_t seen = leaves_;
    left_.wait_until(lock, stop, until, [&] { return leaves_ != seen; });
  }
  return false;
}

void ReceiverSlots::leave() {
  {
    std::lock_guard lock(mutex_);
    --running_;
    ++leaves_;
  }
  left_.notify_one();
}

}  // namespace sluice::detail
