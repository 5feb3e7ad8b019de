// The rules that name what bound a run, on hand-made samples of the gauges.
#include "output/binding_tally.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

constexpr auto kTick = 10ms;

GaugeSample busy(std::uint64_t cap) { return {.in_flight = cap, .cap = cap}; }
GaugeSample idle_waiting_for_input() { return {.in_flight = 2, .cap = 10}; }
GaugeSample tail() { return {.in_flight = 1, .cap = 10, .input_complete = true}; }

double share(const Binding& binding, BindingKind kind) {
  return binding.shares[static_cast<std::size_t>(kind)];
}

TEST(BindingStateTest, TheFirstRuleThatHoldsNamesTheState) {
  // Bandwidth and rate waits come before busy slots: they are why the slots stay busy.
  EXPECT_EQ(binding_state({.in_flight = 8, .cap = 8, .waiting_for_bandwidth = 3}),
            BindingKind::Bandwidth);
  EXPECT_EQ(binding_state({.in_flight = 8, .cap = 8, .waiting_for_rate = 1}), BindingKind::Rate);
  EXPECT_EQ(binding_state(busy(8)), BindingKind::Concurrency);
  EXPECT_EQ(binding_state({.in_flight = 9, .cap = 8}), BindingKind::Concurrency);  // -c auto shrank
  EXPECT_EQ(binding_state({.in_flight = 8, .cap = 8, .parked = 50}), BindingKind::Concurrency);
  EXPECT_EQ(binding_state({.in_flight = 2, .cap = 8, .queued = 3, .parked = 50}),
            BindingKind::PerHost);
  EXPECT_EQ(binding_state(idle_waiting_for_input()), BindingKind::Input);
  EXPECT_EQ(binding_state(tail()), BindingKind::Tail);
  EXPECT_EQ(binding_state({.in_flight = 2, .cap = 8, .queued = 5}), BindingKind::None);
}

TEST(BindingTallyTest, NothingSampledIsNone) {
  const Binding binding = BindingTally().decide(10);
  EXPECT_EQ(binding.kind, BindingKind::None);
  EXPECT_EQ(binding.share, 0);
  EXPECT_EQ(binding.slots, 10u);
}

TEST(BindingTallyTest, TheBiggestShareOfTheTimeWins) {
  BindingTally tally;
  for (int i = 0; i < 70; ++i) tally.add(busy(10), kTick);
  for (int i = 0; i < 20; ++i) tally.add(idle_waiting_for_input(), kTick);
  for (int i = 0; i < 10; ++i) tally.add(tail(), kTick);
  const Binding binding = tally.decide(10);
  EXPECT_EQ(binding.kind, BindingKind::Concurrency);
  EXPECT_DOUBLE_EQ(binding.share, 0.7);
  EXPECT_DOUBLE_EQ(share(binding, BindingKind::Input), 0.2);
  EXPECT_DOUBLE_EQ(share(binding, BindingKind::Tail), 0.1);
}

TEST(BindingTallyTest, SamplesCountForTheTimeTheyStandFor) {
  BindingTally tally;
  for (int i = 0; i < 10; ++i) tally.add(busy(10), kTick);  // 100 ms
  tally.add(idle_waiting_for_input(), 300ms);               // one late sample
  const Binding binding = tally.decide(10);
  EXPECT_EQ(binding.kind, BindingKind::Input);
  EXPECT_DOUBLE_EQ(binding.share, 0.75);
}

TEST(BindingTallyTest, TimeBetweenTurnsIsNoConstraintAndNeverWins) {
  BindingTally tally;
  for (int i = 0; i < 80; ++i) tally.add({.in_flight = 2, .cap = 10, .queued = 5}, kTick);
  for (int i = 0; i < 20; ++i) tally.add(busy(10), kTick);
  const Binding binding = tally.decide(10);
  EXPECT_EQ(binding.kind, BindingKind::Concurrency);
  EXPECT_DOUBLE_EQ(binding.share, 0.2);
  EXPECT_DOUBLE_EQ(share(binding, BindingKind::None), 0.8);
}

// Feeds `count` ok records of `ms` that ended in the given state.
void add_latencies(BindingTally& tally, int count, double ms, bool busy) {
  for (int i = 0; i < count; ++i) tally.add_latency(ms, busy);
}

TEST(BindingTallyTest, BusySlotsWithLatencyFlatAtTheFloorIsConcurrency) {
  BindingTally tally;
  for (int i = 0; i < 100; ++i) tally.add(busy(10), kTick);
  add_latencies(tally, 200, 50, true);
  add_latencies(tally, 5, 52, false);
  const Binding binding = tally.decide(10);
  EXPECT_EQ(binding.kind, BindingKind::Concurrency);
  EXPECT_NEAR(binding.latency_rise, 1.0, 0.03);  // the histogram's buckets are 2 % wide
}

TEST(BindingTallyTest, BusySlotsWithLatencyRisenPastTwiceTheFloorIsTheServer) {
  BindingTally tally;
  for (int i = 0; i < 100; ++i) tally.add(busy(60), kTick);
  add_latencies(tally, 15, 20, true);   // the first requests, before the server's queue
  add_latencies(tally, 285, 80, true);  // then everyone waits in it
  const Binding binding = tally.decide(60);
  EXPECT_EQ(binding.kind, BindingKind::Server);
  EXPECT_DOUBLE_EQ(binding.share, 1.0);  // the share of the busy time
  EXPECT_NEAR(binding.floor_ms, 20, 0.4);
  EXPECT_NEAR(binding.busy_p50_ms, 80, 1.6);
  EXPECT_NEAR(binding.latency_rise, 4.0, 0.1);
}

TEST(BindingTallyTest, JustUnderTwiceTheFloorIsStillConcurrency) {
  BindingTally tally;
  for (int i = 0; i < 100; ++i) tally.add(busy(10), kTick);
  add_latencies(tally, 10, 50, false);
  add_latencies(tally, 200, 95, true);
  EXPECT_EQ(tally.decide(10).kind, BindingKind::Concurrency);
}

TEST(BindingTallyTest, OneLuckyAnswerDoesNotSetTheFloor) {
  BindingTally tally;
  for (int i = 0; i < 100; ++i) tally.add(busy(10), kTick);
  tally.add_latency(1, false);  // a cached answer, far below the others
  add_latencies(tally, 199, 50, true);
  const Binding binding = tally.decide(10);
  EXPECT_EQ(binding.kind, BindingKind::Concurrency);
  EXPECT_NEAR(binding.floor_ms, 50, 1);
}

TEST(BindingTallyTest, TooFewBusyRecordsToJudgeTheLatencyStayConcurrency) {
  BindingTally tally;
  for (int i = 0; i < 100; ++i) tally.add(busy(10), kTick);
  add_latencies(tally, 20, 10, false);
  add_latencies(tally, BindingTally::kMinBusyRecords - 1, 100, true);
  EXPECT_EQ(tally.decide(10).kind, BindingKind::Concurrency);
}

TEST(BindingTallyTest, PerHostNamesTheHostParkedLongest) {
  BindingTally tally;
  for (int i = 0; i < 100; ++i) tally.add({.in_flight = 2, .cap = 10, .parked = 40}, kTick);
  tally.add_parked_host("http://a:80", 700ms);
  tally.add_parked_host("http://b:80", 300ms);
  const Binding binding = tally.decide(10);
  EXPECT_EQ(binding.kind, BindingKind::PerHost);
  EXPECT_EQ(binding.host, "http://a:80");
}

TEST(BindingKindTest, NamesAreStable) {
  EXPECT_EQ(to_string(BindingKind::Concurrency), "concurrency");
  EXPECT_EQ(to_string(BindingKind::Server), "server");
  EXPECT_EQ(to_string(BindingKind::Bandwidth), "bandwidth");
  EXPECT_EQ(to_string(BindingKind::Rate), "rate");
  EXPECT_EQ(to_string(BindingKind::PerHost), "per_host");
  EXPECT_EQ(to_string(BindingKind::Input), "input");
  EXPECT_EQ(to_string(BindingKind::Tail), "tail");
  EXPECT_EQ(to_string(BindingKind::None), "none");
}

}  // namespace
}  // namespace sluice
