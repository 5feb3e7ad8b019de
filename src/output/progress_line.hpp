// The live progress line shown on a terminal while a run goes on, and what it says holds
// the run back.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "output/option_names.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::detail {

// What keeps URLs from being in flight now (LiveCounters), for a status line.
struct HeldBack {
  // A host its server paused, the header that asked ("Retry-After", "RateLimit"; may be
  // empty), and the seconds until it may go again; no host when none is paused.
  std::string paused_host;
  std::string paused_cause;
  double paused_for_s = 0;
  std::uint64_t waiting_for_bandwidth = 0;  // transfers waiting for Options::max_bandwidth
  bool waiting_for_rate = false;            // the next start waits for Options::rate
  std::uint64_t parked = 0;                 // URLs held back for their host
  std::uint64_t waiting_to_retry = 0;       // retries waiting for their time
};

// Reads the gauges of `live` at `now` (the pause's end is on the system clock).
HeldBack held_back(const LiveCounters& live, std::chrono::system_clock::time_point now);

// The reasons that hold, joined by " · ", e.g. "paused: Retry-After from HOST for 12 s ·
// 40 URLs parked behind their host · 3 retries waiting"; "waiting for rate" and "2 waiting
// for max_bandwidth" name their option by `name`. Empty when nothing holds the run back.
std::string format_held_back(const HeldBack& held, OptionNamer name = options_field);

struct ProgressSnapshot {
  std::uint64_t done = 0;
  std::optional<std::uint64_t> total;  // known once the whole input has been read
  std::uint64_t failed = 0;
  std::uint64_t bytes = 0;
  std::uint64_t in_flight = 0;
  std::uint64_t limit = 0;  // -c auto's live cap; 0 for a fixed -c
  double rate_per_s = 0;    // records per second over the last few ticks
  double elapsed_s = 0;
  HeldBack held_back{};
};

// One line without a line ending, e.g.
// "120/200 done (60 %) · 195.3/s · 1.2 MiB · 0 failed · 10 in flight · 0.6 s · ETA 1 s";
// with -c auto, "10 of 14 in flight" instead. The percentage and the ETA (from the recent
// rate) come once the total is known; format_held_back's reasons follow, or "waiting for
// input" when nothing is in flight, nothing else holds back and the input is still read.
std::string format_progress(const ProgressSnapshot& snapshot, OptionNamer name = options_field);

// A wait in whole seconds, rounded up: "12 s", "3 min 20 s", "2 h 05 min".
std::string format_wait(double seconds);

// "512 B", "1.5 KiB", "20.0 MiB": binary units, one decimal.
std::string format_bytes(std::uint64_t bytes);

}  // namespace sluice::detail
