// Latencies counted in buckets 2 % wide: percentiles over a run of any length in 8 KB.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sluice::detail {

// Not thread-safe: the owner serializes add() and the reads. Bucket i counts the values in
// (kLowestMs * 1.02^(i-1), kLowestMs * 1.02^i]; the first also holds everything smaller and
// the last everything larger (10 µs to about an hour).
class LogHistogram {
 public:
  static constexpr double kLowestMs = 0.01;
  static constexpr double kGrowth = 1.02;
  static constexpr std::size_t kBuckets = 1000;

  void add(double ms) noexcept;
  std::uint64_t count() const noexcept { return count_; }
  // Nearest rank: the upper edge of the bucket holding the smallest value with at least
  // `percent` % of the values at or below it, so at most 2 % above it; 0 when empty.
  double percentile(double percent) const noexcept;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
};

}  // namespace sluice::detail
