// The live progress line shown on a terminal while a run goes on, and what it says holds
// the run back.
#include "output/progress_line.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace sluice::detail {
namespace {

std::string count_of(std::uint64_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  static constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  auto value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.1f %s", value, kUnits[unit]);
  return text.data();
}

std::string format_wait(double seconds) {
  const auto whole = static_cast<std::uint64_t>(std::ceil(std::max(seconds, 0.0)));
  if (whole < 60) return std::to_string(whole) + " s";
  std::array<char, 48> text{};
  if (whole < 3600) {
    std::snprintf(text.data(), text.size(), "%llu min %llu s",
                  static_cast<unsigned long long>(whole / 60),
                  static_cast<unsigned long long>(whole % 60));
  } else {
    std::snprintf(text.data(), text.size(), "%llu h %02llu min",
                  static_cast<unsigned long long>(whole / 3600),
                  static_cast<unsigned long long>(whole % 3600 / 60));
  }
  return text.data();
}

HeldBack held_back(const LiveCounters& live, std::chrono::system_clock::time_point now) {
  HeldBack held{
      .paused_host = {},
      .paused_cause = {},
      .paused_for_s = 0,
      .waiting_for_bandwidth = live.waiting_for_bandwidth.load(std::memory_order_relaxed),
      .waiting_for_rate = live.waiting_for_rate.load(std::memory_order_relaxed) > 0,
      .parked = live.parked.load(std::memory_order_relaxed),
      .waiting_to_retry = live.waiting_to_retry.load(std::memory_order_relaxed),
  };
  if (auto paused = live.paused_host.current(now)) {
    held.paused_host = std::move(paused->host);
    held.paused_cause = std::move(paused->cause);
    held.paused_for_s = std::chrono::duration<double>(paused->until - now).count();
  }
  return held;
}

std::string format_held_back(const HeldBack& held, OptionNamer name) {
  std::string text;
  const auto add = [&](const std::string& reason) {
    if (!text.empty()) text += " · ";
    text += reason;
  };
  if (!held.paused_host.empty()) {
    const std::string cause = held.paused_cause.empty() ? "" : held.paused_cause + " from ";
    add("paused: " + cause + held.paused_host + " for " + format_wait(held.paused_for_s));
  }
  if (held.waiting_for_bandwidth > 0) {
    add(std::to_string(held.waiting_for_bandwidth) + " waiting for " +
        std::string(name("max_bandwidth")));
  }
  if (held.waiting_for_rate) add("waiting for " + std::string(name("rate")));
  if (held.parked > 0) add(count_of(held.parked, "URL", "URLs") + " parked behind their host");
  if (held.waiting_to_retry > 0) {
    add(count_of(held.waiting_to_retry, "retry", "retries") + " waiting");
  }
  return text;
}

std::string format_progress(const ProgressSnapshot& snapshot, OptionNamer name) {
  std::string done = std::to_string(snapshot.done);
  if (snapshot.total) done += "/" + std::to_string(*snapshot.total);
  done += " done";
  if (snapshot.total && *snapshot.total > 0) {
    // Rounded down: 100 % only once every URL is done.
    done += " (" + std::to_string(snapshot.done * 100 / *snapshot.total) + " %)";
  }
  std::string in_flight = std::to_string(snapshot.in_flight);
  if (snapshot.limit > 0) in_flight += " of " + std::to_string(snapshot.limit);
  std::array<char, 192> text{};
  std::snprintf(text.data(), text.size(), "%s · %.1f/s · %s · %llu failed · %s in flight · %.1f s",
                done.c_str(), snapshot.rate_per_s, format_bytes(snapshot.bytes).c_str(),
                static_cast<unsigned long long>(snapshot.failed), in_flight.c_str(),
                snapshot.elapsed_s);
  std::string line = text.data();
  if (snapshot.total && snapshot.done < *snapshot.total && snapshot.rate_per_s > 0) {
    line += " · ETA " +
            format_wait(static_cast<double>(*snapshot.total - snapshot.done) / snapshot.rate_per_s);
  }
  const std::string held = format_held_back(snapshot.held_back, name);
  if (!held.empty()) {
    line += " · " + held;
  } else if (snapshot.in_flight == 0 && !snapshot.total) {
    line += " · waiting for input";
  }
  return line;
}

}  // namespace sluice::detail
