// The live progress line shown on a terminal while a run goes on.
#include "output/progress_line.hpp"

#include <array>
#include <cstdio>
#include <ctime>

namespace sluice::detail {

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

std::string format_time_of_day(std::chrono::system_clock::time_point at) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
  std::tm local{};
  localtime_r(&seconds, &local);  // the thread-safe form: the tick thread calls this
  std::array<char, 16> text{};
  std::strftime(text.data(), text.size(), "%H:%M:%S", &local);
  return text.data();
}

std::string format_progress(const ProgressSnapshot& snapshot) {
  std::string done = std::to_string(snapshot.done);
  if (snapshot.total) done += "/" + std::to_string(*snapshot.total);
  std::string in_flight = std::to_string(snapshot.in_flight);
  if (snapshot.limit > 0) in_flight += " of " + std::to_string(snapshot.limit);
  std::array<char, 192> text{};
  std::snprintf(
      text.data(), text.size(), "%s done · %.1f/s · %s · %llu failed · %s in flight · %.1f s",
      done.c_str(), snapshot.rate_per_s, format_bytes(snapshot.bytes).c_str(),
      static_cast<unsigned long long>(snapshot.failed), in_flight.c_str(), snapshot.elapsed_s);
  std::string line = text.data();
  if (!snapshot.paused_host.empty()) {
    line += " · paused: " + snapshot.paused_host + " until " + snapshot.paused_until;
  }
  return line;
}

}  // namespace sluice::detail
