// Latencies counted in buckets 2 % wide: percentiles over a run of any length in 8 KB.
#include "output/log_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::detail {

void LogHistogram::add(double ms) noexcept {
  std::size_t bucket = 0;
  if (ms > kLowestMs) {
    const double index = std::ceil(std::log(ms / kLowestMs) / std::log(kGrowth));
    bucket = static_cast<std::size_t>(std::min(index, static_cast<double>(kBuckets - 1)));
  }
  ++counts_[bucket];
  ++count_;
}

double LogHistogram::percentile(double percent) const noexcept {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < kBuckets; ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) return kLowestMs * std::pow(kGrowth, static_cast<double>(bucket));
  }
  return kLowestMs * std::pow(kGrowth, static_cast<double>(kBuckets - 1));
}

}  // namespace sluice::detail
