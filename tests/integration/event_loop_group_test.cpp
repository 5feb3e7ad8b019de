// Options::event_loops: several event loops on threads of their own, against the embedded
// server. What the server saw must be what one loop gives: the caps held for the whole run
// (not per loop), every slot used, and one record per URL however the run ends.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "server/server.hpp"
#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/run.hpp"
#include "support/collecting_sink.hpp"
#include "support/server_waits.hpp"

namespace sluice {
namespace {

Options two_loops(std::size_t concurrency) {
  Options options;
  options.concurrency = concurrency;
  options.event_loops = 2;
  return options;
}

TEST(EventLoopGroupTest, EverySlotOfBothLoopsIsUsedAndTheRunsCapHolds) {
  Server server(ServerConfig{});
  test::CollectingSink sink;
  // Held 300 ms, so that every slot is taken before the first answer ends. Each loop starts
  // at most its half: reaching 10 needs both.
  fetch(two_loops(10), {server.base_url() + "/todos/{1..40}?delay=300ms"}, sink);

  ASSERT_EQ(sink.size(), 40u);
  std::set<std::uint64_t> indexes;
  for (const auto& record : sink.records()) {
    EXPECT_TRUE(record.ok) << record.url;
    indexes.insert(record.index);
  }
  EXPECT_EQ(indexes.size(), 40u);
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 40u);
  EXPECT_EQ(stats.peak_in_flight, 10u);
}

TEST(EventLoopGroupTest, ConnectionsAreKeptAliveAndNoMoreThanTheSlots) {
  Server server(ServerConfig{});
  test::CollectingSink sink;
  fetch(two_loops(8), {server.base_url() + "/todos/{1..800}"}, sink);

  ASSERT_EQ(sink.size(), 800u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
  EXPECT_EQ(server.stats().requests, 800u);
  EXPECT_LE(server.stats().connections, 8u);
}

TEST(EventLoopGroupTest, ThePerHostCapHoldsAcrossTheLoops) {
  Server first({.address = "127.0.0.1"});
  Server second({.address = "127.0.0.2"});
  auto capped = two_loops(8);
  capped.per_host = 3;
  test::CollectingSink sink;
  fetch(capped,
        {first.base_url() + "/todos/{1..15}?delay=100ms",
         second.base_url() + "/todos/{1..15}?delay=100ms"},
        sink);

  ASSERT_EQ(sink.size(), 30u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
  // Three at once on each host: the loops' halves (4 each) would allow more.
  EXPECT_EQ(first.stats().peak_in_flight, 3u);
  EXPECT_EQ(second.stats().peak_in_flight, 3u);
}

TEST(EventLoopGroupTest, ARetryMayRunOnEitherLoopAndEndsInOneRecord) {
  Server server(ServerConfig{});
  auto options = two_loops(4);
  options.retries = 2;
  options.retry_backoff = std::chrono::milliseconds(10);
  test::CollectingSink sink;
  // Every attempt of the odd URLs is refused: each gets one failed record after 3 attempts.
  fetch(options,
        {server.base_url() + "/todos/{2,4,6,8,10,12}",
         server.base_url() + "/todos/{1,3,5,7,9,11}?fault=503&retry_after=0"},
        sink);

  ASSERT_EQ(sink.size(), 12u);
  for (const auto& record : sink.records()) {
    const bool refused = record.url.find("fault=503") != std::string::npos;
    EXPECT_EQ(record.ok, !refused) << record.url;
    EXPECT_EQ(record.attempts, refused ? 3 : 1) << record.url;
  }
  EXPECT_EQ(server.stats().requests, 6u + 6u * 3u);
}

TEST(EventLoopGroupTest, AnAbortGivesEveryUrlARecordOnEveryLoop) {
  Server server(ServerConfig{});
  test::CollectingSink sink;
  sluice::Run run(two_loops(4), sink);
  for (int i = 1; i <= 10; ++i) {
    EXPECT_TRUE(run.push(server.base_url() + "/todos/" + std::to_string(i) + "?delay=30s"));
  }
  // Both loops' two transfers are on the server: the abort ends transfers on each.
  EXPECT_TRUE(test::eventually([&] { return server.stats().in_flight == 4; }));
  run.abort();
  const FetchReport report = run.wait();
  EXPECT_TRUE(report.stopped);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 10u);
  std::set<std::uint64_t> indexes;
  for (const auto& record : records) {
    ASSERT_TRUE(record.error.has_value()) << record.url;
    EXPECT_EQ(record.error->kind, ErrorKind::Cancelled);
    indexes.insert(record.index);
  }
  EXPECT_EQ(indexes.size(), 10u);
  EXPECT_EQ(server.stats().peak_in_flight, 4u);
}

TEST(EventLoopGroupTest, MoreLoopsThanSlotsRunOneLoopPerSlot) {
  Server server(ServerConfig{});
  auto options = two_loops(1);
  options.event_loops = 4;
  test::CollectingSink sink;
  fetch(options, {server.base_url() + "/todos/{1..6}?delay=50ms"}, sink);

  ASSERT_EQ(sink.size(), 6u);
  EXPECT_EQ(server.stats().peak_in_flight, 1u);
}

// The option a refusal names, or "" when the run went ahead.
std::string refused_option(const Options& options, const Server& server) {
  test::CollectingSink sink;
  try {
    fetch(options, {server.base_url() + "/todos/1"}, sink);
  } catch (const UsageError& error) {
    return error.option();
  }
  return "";
}

TEST(EventLoopGroupTest, WhatDoesNotGoWithSeveralLoopsIsRefusedNamingTheOption) {
  Server server(ServerConfig{});
  auto too_many = two_loops(4);
  too_many.event_loops = 65;
  EXPECT_EQ(refused_option(too_many, server), "event_loops");
  auto threads = two_loops(4);
  threads.engine = EngineKind::Threads;
  EXPECT_EQ(refused_option(threads, server), "event_loops");
  auto capped = two_loops(4);
  capped.max_bandwidth = 1'000'000;
  EXPECT_EQ(refused_option(capped, server), "event_loops");
  auto learned = two_loops(4);
  learned.adaptive_bandwidth = true;
  EXPECT_EQ(refused_option(learned, server), "event_loops");
  EXPECT_EQ(refused_option(two_loops(4), server), "");
  EXPECT_EQ(server.stats().requests, 1u);  // only the last run went ahead
}

TEST(EventLoopGroupTest, AutoGoesWithWhatSeveralLoopsDoNot) {
  Server server(ServerConfig{});
  auto threads = two_loops(64);
  threads.event_loops = 0;
  threads.engine = EngineKind::Threads;
  EXPECT_EQ(refused_option(threads, server), "");
  auto capped = two_loops(64);
  capped.event_loops = 0;
  capped.max_bandwidth = 100'000'000;
  EXPECT_EQ(refused_option(capped, server), "");
  EXPECT_EQ(server.stats().requests, 2u);
}

}  // namespace
}  // namespace sluice
