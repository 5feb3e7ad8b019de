// RunLimits under a worker's share of a job-wide --max-bandwidth: the byte bucket and the
// window budget start from the share and follow it while the limits live.
#include "engines/run_limits.hpp"

#include <gtest/gtest.h>

#include "limit/bandwidth_share.hpp"

namespace sluice::detail {
namespace {

Options capped(std::uint64_t bytes_per_second) {
  Options options;
  options.max_bandwidth = bytes_per_second;
  options.concurrency = 4;
  return options;
}

TEST(RunLimitsTest, StartsFromTheShareAndFollowsIt) {
  BandwidthShare share;
  share.set(1'000'000);
  RunLimits limits(capped(3'000'000), &share);
  EXPECT_DOUBLE_EQ(limits.bandwidth->rate(), 1'000'000);
  EXPECT_DOUBLE_EQ(limits.window->rate(), 1'000'000);
  share.set(1'500'000);  // a worker of three went away
  EXPECT_DOUBLE_EQ(limits.bandwidth->rate(), 1'500'000);
  EXPECT_DOUBLE_EQ(limits.window->rate(), 1'500'000);
}

TEST(RunLimitsTest, WithoutAShareYetTheCapIsTheOption) {
  BandwidthShare share;
  RunLimits limits(capped(3'000'000), &share);
  EXPECT_DOUBLE_EQ(limits.bandwidth->rate(), 3'000'000);
}

TEST(RunLimitsTest, StopsFollowingWhenGone) {
  BandwidthShare share;
  { RunLimits limits(capped(3'000'000), &share); }
  share.set(500'000);  // no follower left to call
  EXPECT_EQ(share.rate(), 500'000);
}

TEST(RunLimitsTest, AutoIgnoresTheShare) {
  BandwidthShare share;
  share.set(1'000'000);
  auto options = capped(0);
  options.adaptive_bandwidth = true;
  RunLimits limits(options, &share);
  const double learned_start = limits.bandwidth->rate();
  share.set(2'000);
  EXPECT_DOUBLE_EQ(limits.bandwidth->rate(), learned_start);
}

}  // namespace
}  // namespace sluice::detail
