// Counts the test server's request arrivals into bins of 100 ms.
#include "server/request_bins.hpp"

#include <algorithm>

namespace sluice::detail {

void RequestBins::count(std::chrono::steady_clock::time_point now) {
  const auto bin = static_cast<std::size_t>(
      std::max(now - start_, std::chrono::steady_clock::duration::zero()) / kWidth);
  const std::lock_guard lock(mutex_);
  if (bins_.size() <= bin) {
    bins_.resize(bin + 1);
  }
  ++bins_[bin];
}

std::vector<std::uint64_t> RequestBins::bins() const {
  const std::lock_guard lock(mutex_);
  return bins_;
}

RecentBins RequestBins::recent(std::size_t count) const {
  const std::lock_guard lock(mutex_);
  return last_bins(bins_, count);
}

}  // namespace sluice::detail
