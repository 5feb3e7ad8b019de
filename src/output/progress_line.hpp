// The live progress line shown on a terminal while a run goes on.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace sluice::detail {

struct ProgressSnapshot {
  std::uint64_t done = 0;
  std::optional<std::uint64_t> total;  // known once the whole input has been read
  std::uint64_t failed = 0;
  std::uint64_t bytes = 0;
  std::uint64_t in_flight = 0;
  std::uint64_t limit = 0;  // -c auto's live cap; 0 for a fixed -c
  double rate_per_s = 0;    // records per second over the last few ticks
  double elapsed_s = 0;
  // A host its server paused (LiveCounters::paused_host), and the local time it may go
  // again ("HH:MM:SS"); empty when none is paused.
  std::string paused_host;
  std::string paused_until;
};

// One line without a line ending, e.g.
// "120/200 done · 195.3/s · 1.2 MiB · 0 failed · 10 in flight · 0.6 s"; with -c auto,
// "10 in flight of 14" instead; while a server pauses a host, "· paused: HOST until
// HH:MM:SS" follows.
std::string format_progress(const ProgressSnapshot& snapshot);

// "14:03:59": the local time of day of `at`, to the second.
std::string format_time_of_day(std::chrono::system_clock::time_point at);

// "512 B", "1.5 KiB", "20.0 MiB": binary units, one decimal.
std::string format_bytes(std::uint64_t bytes);

}  // namespace sluice::detail
