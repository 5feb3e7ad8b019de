// Options::event_loops = 0: how many loops a run gets from its cores and its options.
#include <gtest/gtest.h>

#include "engines/event_loop_group.hpp"

namespace sluice {
namespace {

using namespace detail;

Options auto_loops(std::size_t concurrency) {
  Options options;
  options.concurrency = concurrency;
  options.event_loops = 0;
  return options;
}

TEST(AutoEventLoopsTest, ALoopPerCoreWhileEachHasItsShareOfSlots) {
  EXPECT_EQ(auto_event_loops(auto_loops(50), 2), 2u);
  EXPECT_EQ(auto_event_loops(auto_loops(50), 1), 1u);
  EXPECT_EQ(auto_event_loops(auto_loops(50), 8), 3u);  // 16 slots or more each
  EXPECT_EQ(auto_event_loops(auto_loops(1000), 64), kMaxAutoEventLoops);
  EXPECT_EQ(auto_event_loops(auto_loops(31), 8), 1u);
  EXPECT_EQ(auto_event_loops(auto_loops(10), 8), 1u);  // the default -c
  EXPECT_EQ(auto_event_loops(auto_loops(1), 8), 1u);
}

TEST(AutoEventLoopsTest, OneLoopWhereSeveralWouldChangeWhatTheCapsMean) {
  auto threads = auto_loops(1000);
  threads.engine = EngineKind::Threads;
  EXPECT_EQ(auto_event_loops(threads, 8), 1u);
  auto capped = auto_loops(1000);
  capped.max_bandwidth = 1'000'000;
  EXPECT_EQ(auto_event_loops(capped, 8), 1u);
  auto learned = auto_loops(1000);
  learned.adaptive_bandwidth = true;
  EXPECT_EQ(auto_event_loops(learned, 8), 1u);
  auto per_host = auto_loops(1000);
  per_host.per_host = 2;
  EXPECT_EQ(auto_event_loops(per_host, 8), 1u);
}

TEST(AutoEventLoopsTest, AnAskedCountIsKeptUpToTheSlots) {
  auto asked = auto_loops(1000);
  asked.event_loops = 8;
  EXPECT_EQ(event_loop_count(asked), 8u);
  asked.concurrency = 3;
  EXPECT_EQ(event_loop_count(asked), 3u);
  EXPECT_EQ(event_loop_count(auto_loops(10)), 1u);  // auto on any machine
}

}  // namespace
}  // namespace sluice
