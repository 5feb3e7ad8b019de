// The live status line of watch mode.
#pragma once

#include <cstdint>
#include <string>

namespace sluice::detail {

struct WatchSnapshot {
  std::uint64_t queued = 0, running = 0, done = 0, failed = 0, paused = 0;  // jobs
  std::uint64_t in_flight = 0;
  double rate_per_s = 0;  // records per second over the last few ticks
};

// One line without a line ending, e.g.
// "jobs: 1 queued · 2 running · 5 done · 0 failed · 50 in flight · 950.3 req/s", with
// "· 1 paused" after "running" while jobs wait for room in OUTBOX.
std::string format_watch_status(const WatchSnapshot& snapshot);

}  // namespace sluice::detail
