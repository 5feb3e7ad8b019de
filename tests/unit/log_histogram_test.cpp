// Latency percentiles from buckets 2 % wide.
#include "output/log_histogram.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using detail::LogHistogram;

TEST(LogHistogramTest, EmptyHasNoPercentile) {
  const LogHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile(50), 0);
}

TEST(LogHistogramTest, PercentilesAreNearestRankWithinTwoPercentAbove) {
  LogHistogram histogram;
  for (int ms = 1; ms <= 100; ++ms) histogram.add(ms);
  EXPECT_EQ(histogram.count(), 100u);
  for (const double percent : {1.0, 50.0, 99.0, 100.0}) {
    EXPECT_GE(histogram.percentile(percent), percent) << percent;
    EXPECT_LE(histogram.percentile(percent), percent * 1.02) << percent;
  }
}

TEST(LogHistogramTest, ValuesBeyondTheRangeLandInTheEndBuckets) {
  LogHistogram histogram;
  histogram.add(0);
  histogram.add(1e12);
  EXPECT_EQ(histogram.percentile(50), LogHistogram::kLowestMs);
  EXPECT_GT(histogram.percentile(100), 3.6e6);  // about an hour
}

}  // namespace
}  // namespace sluice
