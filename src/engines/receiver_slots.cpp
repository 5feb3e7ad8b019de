// Worker threads under the window budget: wait for the ramp's time to start, and for a free
// receiver slot to receive.
#include "engines/receiver_slots.hpp"

#include <algorithm>
#include <chrono>

namespace sluice::detail {
namespace {

// The budget may widen without anyone leaving (a smaller round trip, a new rate): waiters
// look again this often.
constexpr auto kRecheck = std::chrono::milliseconds(100);

}  // namespace

bool ReceiverSlots::start(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    const auto at = budget_.start_at(receiving_, now);
    if (at && *at <= now) {
      budget_.started(now);
      return true;
    }
    const auto until = at ? std::min(*at, now + kRecheck) : now + kRecheck;
    const std::uint64_t seen = leaves_;
    left_.wait_until(lock, stop, until, [&] { return leaves_ != seen; });
  }
  return false;
}

bool ReceiverSlots::enter(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (receiving_ < budget_.receivers()) {
      ++receiving_;
      return true;
    }
    const std::uint64_t seen = leaves_;
    left_.wait_until(lock, stop, std::chrono::steady_clock::now() + kRecheck,
                     [&] { return leaves_ != seen; });
  }
  return false;
}

void ReceiverSlots::leave() {
  {
    std::lock_guard lock(mutex_);
    --receiving_;
    ++leaves_;
  }
  // Both starters and receivers may wait for it.
  left_.notify_all();
}

}  // namespace sluice::detail
