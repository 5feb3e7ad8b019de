// The sampler's stats lines on a manual clock: one when a line's 100 ms are up, and always a
// last one with the final totals, even when the run ends on that same millisecond.
#include "output/binding_meter.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "support/manual_time_source.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

TEST(BindingMeterTest, ARunEndingOnALinesMillisecondStillGetsALastLineWithTheFinalTotals) {
  test::TempDir dir;
  const auto path = dir.path() / "stats.jsonl";
  auto log = StatsLog::open(path);
  ASSERT_TRUE(log) << log.error();
  test::ManualTimeSource clock;
  LiveCounters live;
  {
    BindingMeter meter(
        live, 5, [](bool) { return QueueGauges{}; }, &*log, clock);
    // 100 ms in one step: the meter takes the ten samples due, writes the first line and
    // sleeps toward the eleventh sample.
    clock.advance(100ms);
    // The old deadline may still be listed until the meter wakes from it.
    ASSERT_TRUE(test::wait_until(
        [&] { return clock.wait_for_sleepers(1).front() == test::kStart + 110ms; }));
    live.records = 7;
    live.ok = 7;
    meter.finish();  // at the same 100 ms
    EXPECT_EQ(meter.log_error(), "");
  }
  const auto lines = test::read_records(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["t_ms"], 100);
  EXPECT_EQ(lines[0]["records"], 0);
  EXPECT_EQ(lines[1]["t_ms"], 100);
  EXPECT_EQ(lines[1]["records"], 7);
  EXPECT_EQ(lines[1]["ok"], 7);
  EXPECT_EQ(lines[1]["limit"], 5);
}

}  // namespace
}  // namespace sluice
