// What the two lateness examples (tick_lateness, inotify_lateness) share: reading their
// numeric arguments and the percentiles they report.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

// Nearest-rank percentile of sorted values: the smallest value with q of them at or below it.
inline double percentile(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

// The argument as a number if all of it is one, else NaN, which every range check rejects.
inline double number_or_nan(const char* text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (text[used] == '\0') return value;
  } catch (const std::exception&) {
  }
  return std::nan("");
}
