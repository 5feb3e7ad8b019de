// The sampler's stats lines on a manual clock: one when a line's 100 ms are up, and always a
// last one with the final totals, even when the run ends on that same millisecond.
#include "output/binding_meter.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/manual_clock.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

// Blocks until the meter sleeps toward `deadline`, that is, has taken every sample before it.
// Bounded: the meter needs microseconds for that, and the test fails after 10 s.
bool meter_sleeps_until(test::ManualClock& clock, test::ManualClock::time_point deadline) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < give_up) {
    // One sleeper: the old deadline may still be listed until the meter wakes from it.
    if (clock.wait_for_sleepers(1).front() == deadline) return true;
    std::this_thread::yield();
  }
  return false;
}

TEST(BindingMeterTest, ARunEndingOnALinesMillisecondStillGetsALastLineWithTheFinalTotals) {
  test::TempDir dir;
  const auto path = dir.path() / "stats.jsonl";
  auto log = StatsLog::open(path);
  ASSERT_TRUE(log) << log.error();
  test::ManualClock clock;
  LiveCounters live;
  {
    BindingMeter meter(
        live, 5, [](bool) { return QueueGauges{}; }, &*log, clock);
    // 100 ms in one step: the meter takes the ten samples due, writes the first line and
    // sleeps toward the eleventh sample.
    clock.advance(100ms);
    ASSERT_TRUE(meter_sleeps_until(clock, test::ManualClock::kStart + 110ms));
    live.records = 7;
    live.ok = 7;
    meter.finish();  // at the same 100 ms
    EXPECT_EQ(meter.log_error(), "");
  }
  std::istringstream text(test::read_file(path));
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(text, line);) lines.push_back(nlohmann::json::parse(line));
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
