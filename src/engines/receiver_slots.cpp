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
    // None starts while answered transfers wait for a slot, as the event loop admits none
    // (its waiting_receivers_): under a starved machine, starts kept coming while the
    // receivers read late, and the waiting ones' windows queued 3x the budget at the link.
    const auto at = waiting_ > 0 ? std::nullopt : budget_.start_at(receiving_, now);
    if (at && *at <= now) {
      budget_.started(now);
      return true;
    }
    const auto until = at ? std::min(*at, now + kRecheck) : now + kRecheck;
    const std::uint64_t seen = changes_;
    changed_.wait_until(lock, stop, until, [&] { return changes_ != seen; });
  }
  return false;
}

bool ReceiverSlots::enter(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  if (receiving_ < budget_.receivers()) {
    ++receiving_;
    return true;
  }
  ++waiting_;
  while (!stop.stop_requested()) {
    const std::uint64_t seen = changes_;
    changed_.wait_until(lock, stop, std::chrono::steady_clock::now() + kRecheck,
                        [&] { return changes_ != seen; });
    if (receiving_ < budget_.receivers()) {
      ++receiving_;
      --waiting_;
      ++changes_;
      lock.unlock();
      changed_.notify_all();  // starters look again once none waits
      return true;
    }
  }
  --waiting_;
  ++changes_;
  lock.unlock();
  changed_.notify_all();
  return false;
}

void ReceiverSlots::leave() {
  {
    std::lock_guard lock(mutex_);
    --receiving_;
    ++changes_;
  }
  // Both starters and receivers may wait for it.
  changed_.notify_all();
}

}  // namespace sluice::detail
