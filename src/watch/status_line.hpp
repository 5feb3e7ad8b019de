// The live status line of watch mode.
#pragma once

#include <cstdint>
#include <string>

#include "output/option_names.hpp"
#include "output/progress_line.hpp"

namespace sluice::detail {

struct WatchSnapshot {
  std::uint64_t queued = 0, running = 0, done = 0, failed = 0, paused = 0;  // jobs
  std::uint64_t in_flight = 0;
  double rate_per_s = 0;  // records per second over the last few ticks
  HeldBack held_back{};   // what keeps the jobs' URLs from being in flight
};

// One line without a line ending, e.g.
// "jobs: 1 queued · 2 running · 5 done · 0 failed · 50 in flight · 950.3 req/s", with
// "· 1 paused" after "running" while jobs wait for room in OUTBOX, and format_held_back's
// reasons (options named by `name`) at the end.
std::string format_watch_status(const WatchSnapshot& snapshot, OptionNamer name = options_field);

}  // namespace sluice::detail
