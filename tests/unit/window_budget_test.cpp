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

constexpr auto kStart = test::ManualTimeSource::kStart;
constexpr double k20Mbit = 20e6 / 8;    // 2.5 MB/s
constexpr double k100Mbit = 100e6 / 8;  // 12.5 MB/s

TEST(WindowBudgetTest, StartsFromTheTargetDelayAlone) {
  const WindowBudget budget(k20Mbit, 50);
  EXPECT_EQ(budget.base_rtt(), 0us);
  EXPECT_DOUBLE_EQ(budget.total_window(), k20Mbit * 0.004);  // 10 kB
  EXPECT_EQ(budget.receivers(), WindowBudget::kMinReceivers);
  // 5 kB each, rounded up to whole pages.
  EXPECT_EQ(budget.receive_buffer(), 8192);
}

TEST(WindowBudgetTest, BaseRttWidensTheBudget) {
  WindowBudget budget(k100Mbit, 50);
  budget.observe_rtt(6ms, kStart);
  EXPECT_EQ(budget.base_rtt(), 6ms);
  EXPECT_DOUBLE_EQ(budget.total_window(), k100Mbit * 0.010);  // 125 kB
  EXPECT_EQ(budget.receivers(), 8u);                          // 125 kB / 16 KiB, rounded up
  EXPECT_EQ(budget.receive_buffer(), 16384);                  // 15.6 kB each
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
  EXPECT_GE(budget.receive_buffer() * 3, budget.total_window());
}

TEST(WindowBudgetTest, SumOfWindowsStaysNearTheBudget) {
  WindowBudget budget(k100Mbit, 500);
  for (const auto rtt : {0us, 100us, 1000us, 5000us, 50000us}) {
    if (rtt.count() > 0) budget.observe_rtt(rtt, kStart);
    const double offered = static_cast<double>(budget.receivers()) * budget.receive_buffer();
    EXPECT_GE(offered, budget.total_window()) << rtt.count();
    // Rounding to pages adds at most a page per receiver.
    EXPECT_LE(offered, budget.total_window() + 4096.0 * static_cast<double>(budget.receivers()))
        << rtt.count();
  }
}

TEST(WindowBudgetTest, StartsRampOneWindowAtATime) {
  WindowBudget budget(k20Mbit, 50);
  budget.observe_rtt(2400us, kStart);  // 16 kB: 2 receivers of 8 kB
  ASSERT_EQ(budget.receivers(), 2u);
  EXPECT_EQ(budget.start_at(0, kStart), kStart);
  budget.started(kStart);
  // The first window (8192 bytes) drains in 3.28 ms at 2.5 MB/s.
  const auto drained = kStart + 3276800ns;
  EXPECT_EQ(budget.start_at(1, kStart + 1ms), drained);
  EXPECT_EQ(budget.start_at(1, drained), drained);
  budget.started(drained);
  // Both receivers run: the next waits for one to end, whatever the time.
  EXPECT_EQ(budget.start_at(2, drained + 1s), std::nullopt);
  EXPECT_EQ(budget.start_at(1, drained + 1s), drained + 1s);
}

TEST(WindowBudgetTest, NothingRunningStartsAtOnce) {
  WindowBudget budget(k20Mbit, 50);
  budget.started(kStart);
  EXPECT_EQ(budget.start_at(0, kStart), kStart);
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
