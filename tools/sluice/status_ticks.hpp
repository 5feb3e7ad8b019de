// What the status lines of `sluice` and `sluice watch` share: a thread that ticks four times
// a second, and the rate of finished records over the last two seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <thread>
#include <utility>

namespace sluice::cli {

// Calls on_tick(1), on_tick(2), ... every kPeriod on its own thread, and once more when
// stopped, so that the last state is drawn. Declared last in its owner, so that it starts
// after, and is stopped before, what on_tick uses.
class TickThread {
 public:
  static constexpr std::chrono::milliseconds kPeriod{250};
  // Off a terminal, a status line is printed as a new line every this many ticks.
  static constexpr int kTicksPerPlainLine = 4;

  explicit TickThread(std::function<void(int tick)> on_tick);
  TickThread(const TickThread&) = delete;
  TickThread& operator=(const TickThread&) = delete;
  ~TickThread() { stop(); }

  // Returns after the last on_tick call.
  void stop();

 private:
  void loop(const std::stop_token& stop);

  std::function<void(int)> on_tick_;
  std::jthread thread_;
};

// Records per second over the last 8 ticks. Not thread-safe: the tick thread owns it.
class RecentRate {
 public:
  // `count` is the total so far at `now`.
  double add(std::chrono::steady_clock::time_point now, std::uint64_t count);

 private:
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> samples_;
};

}  // namespace sluice::cli
