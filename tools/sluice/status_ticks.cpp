#include "status_ticks.hpp"

#include <condition_variable>
#include <mutex>

namespace sluice::cli {
namespace {

constexpr std::size_t kRateSamples = 8;

}  // namespace

TickThread::TickThread(std::function<void(int tick)> on_tick)
    : on_tick_(std::move(on_tick)), thread_([this](std::stop_token stop) { loop(stop); }) {}

void TickThread::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

void TickThread::loop(const std::stop_token& stop) {
  std::mutex mutex;
  // Waits on the stop token alone: a stop ends the wait at once rather than at the tick.
  std::condition_variable_any wake;
  for (int tick = 1; !stop.stop_requested(); ++tick) {
    {
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, kPeriod, [] { return false; });
    }
    on_tick_(tick);
  }
}

double RecentRate::add(std::chrono::steady_clock::time_point now, std::uint64_t count) {
  samples_.emplace_back(now, count);
  if (samples_.size() > kRateSamples) samples_.pop_front();
  const double window = std::chrono::duration<double>(now - samples_.front().first).count();
  if (window <= 0) return 0;
  return static_cast<double>(count - samples_.front().second) / window;
}

}  // namespace sluice::cli
