// The durations of a test server's answers in whole milliseconds, for the percentiles that
// ServerStats reports.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sluice::detail {

// One counter per millisecond from 0 to 10 s; the last also holds everything longer, such as
// stalled answers. 80 KB, so one per server.
// Thread-safety: record() and percentile() may be called from any thread at once. The
// counters are relaxed atomics: a percentile read while answers end may count some of them
// and not others, which a statistic can bear.
// Lifetime: no dependencies.
class LatencyHistogram {
 public:
  static constexpr std::uint64_t kMaxMs = 10'000;

  // Counts `took` rounded up to whole milliseconds, at most kMaxMs.
  void record(std::chrono::steady_clock::duration took) noexcept;

  // The smallest whole number of milliseconds that the share `q` (0 < q <= 1) of the recorded
  // durations do not exceed; kMaxMs means that long or longer, and 0 that none was recorded.
  std::uint64_t percentile(double q) const noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kMaxMs + 1> counts_{};
};

}  // namespace sluice::detail
