// Sums and windows over the test server's per-100 ms bins (of requests, or of acknowledged
// bytes).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace sluice::test {

inline std::uint64_t sum(const std::vector<std::uint64_t>& bins) {
  return std::accumulate(bins.begin(), bins.end(), std::uint64_t{0});
}

// The largest sum of `width` consecutive bins.
inline std::uint64_t busiest_window(const std::vector<std::uint64_t>& bins, std::size_t width) {
  std::uint64_t best = 0;
  for (std::size_t first = 0; first + width <= bins.size(); ++first) {
    const auto begin = bins.begin() + static_cast<std::ptrdiff_t>(first);
    best = std::max(
        best, std::accumulate(begin, begin + static_cast<std::ptrdiff_t>(width), std::uint64_t{0}));
  }
  return best;
}

}  // namespace sluice::test
