// Counting answer durations per millisecond and reading percentiles from the counts.
#include "server/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::detail {

void LatencyHistogram::record(std::chrono::steady_clock::duration took) noexcept {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(took).count();
  const auto bucket = static_cast<std::size_t>(std::clamp<std::chrono::milliseconds::rep>(
      ms, 0, static_cast<std::chrono::milliseconds::rep>(kMaxMs)));
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  std::uint64_t total = 0;
  for (const auto& count : counts_) {
    total += count.load(std::memory_order_relaxed);
  }
  if (total == 0) {
    return 0;
  }
  // The rank of the percentile among the sorted durations, from 1 (nearest-rank method).
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total))));
  std::uint64_t seen = 0;
  for (std::size_t ms = 0; ms < counts_.size(); ++ms) {
    seen += counts_[ms].load(std::memory_order_relaxed);
    if (seen >= rank) {
      return ms;
    }
  }
  // Answers that ended during the scan may leave the second sum short of `rank`.
  return kMaxMs;
}

}  // namespace sluice::detail
