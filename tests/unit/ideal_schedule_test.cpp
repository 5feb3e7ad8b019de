// The ideal in-order schedule and the absolute bound, on hand-computed cases.
#include "output/ideal_schedule.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

using Latencies = std::vector<double>;

TEST(IdealScheduleTest, EmptyInputTakesNoTime) {
  EXPECT_EQ(ideal_makespan_ms({}, 4), 0.0);
  EXPECT_EQ(absolute_bound_ms({}, 4), 0.0);
}

TEST(IdealScheduleTest, OneSlotTakesTheSum) {
  EXPECT_EQ(ideal_makespan_ms(Latencies{3, 1, 4, 1, 5}, 1), 14.0);
}

TEST(IdealScheduleTest, EnoughSlotsTakeTheLongestJob) {
  EXPECT_EQ(ideal_makespan_ms(Latencies{3, 1, 4, 1, 5}, 5), 5.0);
  EXPECT_EQ(ideal_makespan_ms(Latencies{3, 1, 4, 1, 5}, 50), 5.0);
  EXPECT_EQ(ideal_makespan_ms(Latencies{3, 1, 4, 1, 5}, std::numeric_limits<std::size_t>::max()),
            5.0);
}

TEST(IdealScheduleTest, SlowJobLastCostsMoreThanSlowJobFirst) {
  // First: the 6 runs on one slot while the other does the six 1s. Last: the 1s take 3 on
  // both slots, then the 6 starts.
  EXPECT_EQ(ideal_makespan_ms(Latencies{6, 1, 1, 1, 1, 1, 1}, 2), 6.0);
  EXPECT_EQ(ideal_makespan_ms(Latencies{1, 1, 1, 1, 1, 1, 6}, 2), 9.0);
}

TEST(IdealScheduleTest, LongJobFirstOnTwoSlotsMatchesTheBound) {
  const Latencies jobs{5, 1, 1, 1, 1, 1};
  EXPECT_EQ(ideal_makespan_ms(jobs, 2), 5.0);
  EXPECT_EQ(absolute_bound_ms(jobs, 2), 5.0);
}

TEST(IdealScheduleTest, FollowsInputOrderRatherThanPackingOptimally) {
  // Optimal packing is 2 | 1+1 = 2; in order both 1s start first and the 2 ends at 3.
  EXPECT_EQ(ideal_makespan_ms(Latencies{1, 1, 2}, 2), 3.0);
  EXPECT_EQ(absolute_bound_ms(Latencies{1, 1, 2}, 2), 2.0);
  // Slot A: 4 (0-4), then 1 (4-5). Slot B: 1, 1, 1 (0-3), then 4 (3-7).
  EXPECT_EQ(ideal_makespan_ms(Latencies{4, 1, 1, 1, 4, 1}, 2), 7.0);
}

TEST(IdealScheduleTest, ZeroLatencyJobsChangeNothing) {
  EXPECT_EQ(ideal_makespan_ms(Latencies{0, 5, 0, 0, 3, 0}, 2), 5.0);
  EXPECT_EQ(ideal_makespan_ms(Latencies{0, 0, 0}, 2), 0.0);
  EXPECT_EQ(absolute_bound_ms(Latencies{0, 0, 0}, 2), 0.0);
}

TEST(IdealScheduleTest, ZeroSlotsCountAsOne) {
  EXPECT_EQ(ideal_makespan_ms(Latencies{1, 2}, 0), 3.0);
  EXPECT_EQ(absolute_bound_ms(Latencies{1, 2}, 0), 3.0);
}

TEST(AbsoluteBoundTest, IsTheLargerOfShareAndLongestJob) {
  EXPECT_EQ(absolute_bound_ms(Latencies{1, 1, 1, 1}, 2), 2.0);
  EXPECT_EQ(absolute_bound_ms(Latencies{10, 1}, 4), 10.0);
  EXPECT_EQ(absolute_bound_ms(Latencies{3, 1, 4, 1, 5}, 1), 14.0);
}

TEST(AbsoluteBoundTest, NeverExceedsTheInOrderSchedule) {
  const std::vector<Latencies> inputs = {
      {1, 1, 1, 1, 1, 1, 6}, {9, 8, 7, 6, 5, 4, 3, 2, 1}, {2, 7, 1, 8, 2, 8, 1, 8}, {0.5, 0.25}};
  for (const auto& jobs : inputs) {
    for (std::size_t slots = 1; slots <= 10; ++slots) {
      EXPECT_LE(absolute_bound_ms(jobs, slots), ideal_makespan_ms(jobs, slots)) << slots;
    }
  }
}

}  // namespace
}  // namespace sluice
