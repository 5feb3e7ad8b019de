// Runs examples/tick_lateness.cpp briefly: the printed table has its shape and every tick.
// (That a tick on a thread of its own is less late than the same tick as a timer on the busy
// event loop is a time: bench/timing_bench.py "ticks" measures it.)
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

test::ChildResult run_tick_lateness(const std::vector<std::string>& args) {
  return test::run_child(std::string(SLUICE_EXAMPLES_DIR) + "/example_tick_lateness", args, {},
                         60s);
}

struct TickRow {
  int ticks = 0;
  double p50 = 0, p99 = 0, max = 0;  // lateness, ms
};

// The table row of `variant`, or ticks == 0 when the output has none.
TickRow tick_row_of(const std::string& out, const std::string& variant) {
  std::smatch match;
  // Signed numbers, so that a negative lateness is read as one, and fails the test.
  const std::regex row("(^|\n)" + variant + R"( +(\d+) +(-?[\d.]+) +(-?[\d.]+) +(-?[\d.]+)\n)");
  if (!std::regex_search(out, match, row)) return {};
  return {std::stoi(match[2]), std::stod(match[3]), std::stod(match[4]), std::stod(match[5])};
}

TEST(ExamplesTickLatenessTest, PrintsATableOfBothVariantsWithEveryTick) {
  // 1 s of 10 ms ticks; 1 MiB bodies take a few ms each to checksum in a Debug build, so the
  // loop's tick waits for them far longer than the scheduler makes a sleeping thread wait.
  const auto result = run_tick_lateness({"1", "1024"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.find("tick every 10 ms, 100 ticks;") != std::string::npos) << result.out;
  EXPECT_TRUE(std::regex_search(result.out, std::regex(R"(loop: [1-9]\d* checksums, )")))
      << result.out;

  const TickRow loop = tick_row_of(result.out, "loop timer");
  const TickRow thread = tick_row_of(result.out, "own thread");
  // Absolute deadlines: a late tick is caught up, never dropped, so each variant has all 100.
  EXPECT_EQ(loop.ticks, 100) << result.out;
  EXPECT_EQ(thread.ticks, 100) << result.out;
  for (const TickRow& r : {loop, thread}) {
    // Neither a timer nor sleep_until ever wakes before its deadline.
    EXPECT_GE(r.p50, 0) << result.out;
    EXPECT_LE(r.p50, r.p99) << result.out;
    EXPECT_LE(r.p99, r.max) << result.out;
  }
}

TEST(ExamplesTickLatenessTest, RejectsABadCommandLine) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"0"}, {"1x"}, {"1", "0"}, {"1", "2.5"}, {"1", "2", "3"}}) {
    const auto result = run_tick_lateness(args);
    EXPECT_EQ(result.exit_code, 1) << args[0];
    EXPECT_TRUE(result.err.find("usage:") != std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }
}

}  // namespace
}  // namespace sluice
