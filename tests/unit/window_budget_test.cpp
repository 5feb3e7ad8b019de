// Tests for the window budget under a bandwidth cap: the base RTT filter, the split of the
// budget into receivers and windows, the ramp of starts, and retargeting the rate.
#include "limit/window_budget.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

using test::kStart;
constexpr double k20Mbit = 20e6 / 8;    // 2.5 MB/s
constexpr double k100Mbit = 100e6 / 8;  // 12.5 MB/s

TEST(WindowBudgetTest, StartsFromTheTargetDelayAlone) {
  const WindowBudget budget(k20Mbit, 50);
  EXPECT_EQ(budget.base_rtt(), 0us);
  EXPECT_DOUBLE_EQ(budget.total_window(), k20Mbit * 0.003);  // 7.5 kB
  // Less than a split window: one receiver, with the least window.
  EXPECT_EQ(budget.receivers(), 1u);
  EXPECT_DOUBLE_EQ(budget.window(), 8 * 1024);
  EXPECT_EQ(budget.receive_buffer(), 6 * 1024);  // 0.67 x the window, rounded up
}

TEST(WindowBudgetTest, BaseRttWidensTheBudget) {
  WindowBudget budget(k100Mbit, 50);
  budget.observe_rtt(6ms, kStart);
  EXPECT_EQ(budget.base_rtt(), 6ms);
  EXPECT_DOUBLE_EQ(budget.total_window(), k100Mbit * 0.009);  // 112.5 kB
  EXPECT_EQ(budget.receivers(), 7u);                          // 112.5 kB / 16 KiB, rounded up
  EXPECT_DOUBLE_EQ(budget.window(), 16 * 1024);               // 16.1 kB each, in whole KiB
  EXPECT_EQ(budget.receive_buffer(), 11 * 1024);              // 10.7 KiB, rounded up
}

TEST(WindowBudgetTest, SmallBudgetKeepsTheLeastWindow) {
  const WindowBudget budget(200'000, 50);  // 800 bytes: below a useful window
  EXPECT_EQ(budget.receivers(), 1u);
  EXPECT_DOUBLE_EQ(budget.window(), WindowBudget::kMinWindow);
}

TEST(WindowBudgetTest, BaseRttIsTheLeastSampleUntilItAges) {
  WindowBudget budget(k20Mbit, 50);
  budget.observe_rtt(3ms, kStart);
  budget.observe_rtt(1ms, kStart + 1s);
  budget.observe_rtt(0us, kStart + 2s);   // no sample
  budget.observe_rtt(40ms, kStart + 5s);  // a queue, not the path
  EXPECT_EQ(budget.base_rtt(), 1ms);
  // Ten seconds on, a larger sample replaces the old minimum: the path may have changed.
  budget.observe_rtt(2ms, kStart + 1s + WindowBudget::kRttWindow + 1ms);
  EXPECT_EQ(budget.base_rtt(), 2ms);
}

TEST(WindowBudgetTest, ReceiversNeverExceedTheConcurrency) {
  WindowBudget budget(k100Mbit, 3);
  budget.observe_rtt(46ms, kStart);  // 625 kB
  EXPECT_EQ(budget.receivers(), 3u);
  // The windows widen instead, so the budget is still offered.
  EXPECT_GE(budget.window() * 3, budget.total_window());
}

TEST(WindowBudgetTest, SumOfWindowsStaysNearTheBudget) {
  WindowBudget budget(k100Mbit, 500);
  for (const auto rtt : {0us, 100us, 1000us, 5000us, 50000us}) {
    if (rtt.count() > 0) budget.observe_rtt(rtt, kStart);
    const double offered = static_cast<double>(budget.receivers()) * budget.window();
    EXPECT_GE(offered, budget.total_window()) << rtt.count();
    // Rounding to whole KiB adds at most a KiB per receiver.
    EXPECT_LE(offered, budget.total_window() + 1024.0 * static_cast<double>(budget.receivers()))
        << rtt.count();
  }
}

TEST(WindowBudgetTest, StartsRampOneWindowAtATime) {
  WindowBudget budget(k100Mbit, 50);  // 37.5 kB: 3 receivers of 13 KiB
  ASSERT_EQ(budget.receivers(), 3u);
  ASSERT_DOUBLE_EQ(budget.window(), 13 * 1024);
  EXPECT_EQ(budget.start_at(0, kStart), kStart);
  budget.started(kStart);
  // The first window drains in 1.06496 ms at 12.5 MB/s; the next start may come
  // kRampAhead (1 ms) before.
  const auto allowed = kStart + 64960ns;
  EXPECT_EQ(budget.start_at(1, kStart), allowed);
  EXPECT_EQ(budget.start_at(1, allowed), allowed);
  budget.started(allowed);
  budget.started(allowed + 1064960ns);
  // All three receivers run: the next waits for one to end, whatever the time.
  EXPECT_EQ(budget.start_at(3, allowed + 1s), std::nullopt);
  EXPECT_EQ(budget.start_at(2, allowed + 1s), allowed + 1s);
}

TEST(WindowBudgetTest, NoneReceivingStillWaitsForTheRamp) {
  // Transfers still waiting for their answers may be answered at once.
  WindowBudget budget(k20Mbit, 50);  // 7.5 kB: one receiver of 8 KiB, drained in 3.2768 ms
  budget.started(kStart);
  EXPECT_EQ(budget.start_at(0, kStart), kStart + 2276800ns);
}

TEST(WindowBudgetTest, UnusedWindowMovesTheNextStartEarlier) {
  WindowBudget budget(k20Mbit, 50);
  budget.started(kStart);
  budget.ended(4096);
  // The 4 KiB left unused drain in 1.6384 ms: the next start waits for the other 4 KiB.
  EXPECT_EQ(budget.start_at(0, kStart), kStart + 1638400ns - 1ms);
}

TEST(WindowBudgetTest, FullWindowIsNotRefunded) {
  WindowBudget budget(k20Mbit, 50);
  budget.started(kStart);
  budget.ended(1 << 20);
  EXPECT_EQ(budget.start_at(0, kStart), kStart + 2276800ns);
}

TEST(WindowBudgetTest, RefundsBuildNoCredit) {
  WindowBudget budget(k20Mbit, 50);
  budget.started(kStart);
  budget.ended(1 << 20);  // from here on a start is charged the whole window
  budget.started(kStart);
  budget.ended(0);
  budget.ended(0);
  budget.ended(0);
  EXPECT_EQ(budget.start_at(0, kStart), kStart);
  budget.started(kStart);
  EXPECT_EQ(budget.start_at(0, kStart), kStart + 2276800ns);
}

TEST(WindowBudgetTest, SmallBodiesAreChargedTheLargestRecentOne) {
  WindowBudget budget(100e3, 50);  // windows of 8 KiB
  EXPECT_DOUBLE_EQ(budget.charge(), 8 * 1024);
  budget.ended(250);
  budget.ended(500);
  budget.ended(125);
  EXPECT_DOUBLE_EQ(budget.charge(), 500);
  budget.started(kStart);
  // 500 bytes drain in 5 ms at 100 kB/s.
  EXPECT_EQ(budget.start_at(0, kStart), kStart + 4ms);
}

TEST(WindowBudgetTest, LargeBodyMakesTheChargeWholeUntilItAges) {
  WindowBudget budget(k100Mbit, 50);
  budget.ended(1 << 20);
  EXPECT_DOUBLE_EQ(budget.charge(), 13 * 1024);
  for (std::size_t i = 1; i < WindowBudget::kSizesKept; ++i) budget.ended(100);
  EXPECT_DOUBLE_EQ(budget.charge(), 13 * 1024);
  budget.ended(100);  // the large one is no longer among the last kSizesKept
  EXPECT_DOUBLE_EQ(budget.charge(), 100);
}

TEST(WindowBudgetTest, SetRateRetargetsTheBudget) {
  WindowBudget budget(k100Mbit, 50);
  budget.observe_rtt(1ms, kStart);
  const double before = budget.total_window();
  budget.set_rate(k20Mbit);
  EXPECT_DOUBLE_EQ(budget.rate(), k20Mbit);
  EXPECT_DOUBLE_EQ(budget.total_window(), before / 5);
  EXPECT_THROW(budget.set_rate(0), std::invalid_argument);
  EXPECT_THROW(WindowBudget(-1, 1), std::invalid_argument);
}

}  // namespace
}  // namespace sluice
