// The summary names what bound a run: each cap, the server and the input in turn bind a run
// against the test server, on both engines, and --stats-log writes its lines meanwhile.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/child_process.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// Each state must hold most of a run that lasts about a second or more: the other states
// (start-up, the last URLs running out) take a few tens of milliseconds of it.
constexpr double kMostOfTheTime = 0.6;

// The verdict is asserted, not the share or the latency rise behind it, which a busy machine
// moves: each run is set up so that only a far bigger move than load makes could change it.
void record_binding(const Binding& bound) {
  ::testing::Test::RecordProperty("share", std::to_string(bound.share));
  ::testing::Test::RecordProperty("latency_rise", std::to_string(bound.latency_rise));
}

class BindingTest : public test::EngineTest {
 protected:
  static Binding run(const Options& options, std::vector<std::string> sources,
                     std::size_t expected) {
    test::CollectingSink sink;
    const auto report = fetch(options, std::move(sources), sink);
    EXPECT_EQ(sink.size(), expected);
    for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
    record_binding(report.bound_by);
    return report.bound_by;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, BindingTest, test::both_engines(), test::engine_test_name);

TEST_P(BindingTest, AllSlotsBusyWithSteadyLatencyIsConcurrency) {
  Server server(ServerConfig{.latency = 100ms});
  // 40 URLs of 100 ms at -c 4: a second with every slot busy, latency flat. A verdict of
  // Server would need the busy answers' median twice the floor: 100 ms of delay from load on
  // half of them.
  const auto bound = run(options(4), {server.base_url() + "/todos/{1..40}"}, 40);
  EXPECT_EQ(bound.kind, BindingKind::Concurrency)
      << to_string(bound.kind) << ", latency rise " << bound.latency_rise;
  EXPECT_GE(bound.share, kMostOfTheTime);
  EXPECT_EQ(bound.slots, 4u);
}

TEST_P(BindingTest, TransfersWaitingForTokensIsTheBandwidthCap) {
  Server server(ServerConfig{});
  auto capped = options(8);
  // --max-bandwidth 2M: far below what a busy machine moves on loopback, so the transfers
  // wait for tokens, not for the machine.
  capped.max_bandwidth = 2 * 1024 * 1024;
  // 3 MB: about 1.4 s at the cap.
  const auto bound = run(capped, {server.base_url() + "/bytes/750000?n={1..4}"}, 4);
  EXPECT_EQ(bound.kind, BindingKind::Bandwidth) << to_string(bound.kind);
  EXPECT_GE(bound.share, kMostOfTheTime);
}

TEST_P(BindingTest, StartsWaitingForTheBucketIsTheRateLimit) {
  Server server(ServerConfig{});
  auto limited = options(50);
  limited.rate = 50;  // --rate 50/s: 100 quick URLs take 2 s
  const auto bound = run(limited, {server.base_url() + "/todos/{1..100}"}, 100);
  EXPECT_EQ(bound.kind, BindingKind::Rate) << to_string(bound.kind);
  EXPECT_GE(bound.share, kMostOfTheTime);
}

TEST_P(BindingTest, UrlsParkedBehindOneHostNameThatHost) {
  Server server(ServerConfig{.latency = 20ms});
  auto per_host = options(10);
  per_host.per_host = 1;
  // 50 URLs one at a time on 127.0.0.1, about a second; a few on "localhost", another host
  // key for the same server.
  const std::string other = "http://localhost:" + std::to_string(server.port());
  const auto bound =
      run(per_host, {server.base_url() + "/todos/{1..50}", other + "/todos/{1..5}"}, 55);
  EXPECT_EQ(bound.kind, BindingKind::PerHost) << to_string(bound.kind);
  EXPECT_GE(bound.share, kMostOfTheTime);
  EXPECT_EQ(bound.host, server.base_url());
}

TEST_P(BindingTest, LatencyRisingWithAllSlotsBusyIsTheServer) {
  // 15 requests in flight are served in 200 ms; at -c 60 each waits 200 ms * 45 / 15 more,
  // 800 ms in all: four times the floor that the first 15 requests see, plus the cost of
  // opening 60 connections at once. That cost is a few milliseconds on an idle machine, but
  // 32 ms in CI with other tests sharing the two cores, and 107 ms at a load average of 36
  // (which took a 100 ms floor to 207 ms and the rise below 2). With a 200 ms floor the rise
  // stays above 2 until load adds 200 ms to the floor's answers. 60 stays within the
  // 4 * 15 in flight that the server serves before it answers 503. Ten rounds, so that the
  // climb and the last round, when slots are free, stay a small share of the run
  // (ThreadSanitizer measured 56 % busy over five rounds).
  Server server(ServerConfig{.latency = 200ms, .capacity = 15});
  const auto bound = run(options(60), {server.base_url() + "/todos/{1..600}"}, 600);
  EXPECT_EQ(bound.kind, BindingKind::Server)
      << to_string(bound.kind) << ": " << bound.busy_p50_ms << " ms over " << bound.floor_ms;
  EXPECT_GE(bound.share, kMostOfTheTime);
  EXPECT_EQ(bound.slots, 60u);
}

// A shell loop writes a URL every 50 ms into sluice's standard input: the slots wait for it.
TEST(BindingCliTest, InputTricklingThroughAPipeIsTheInput) {
  Server server(ServerConfig{});
  const test::TempDir dir;
  const auto summary = dir.path() / "summary.json";
  const std::string script = "i=0; while [ $i -lt 20 ]; do echo " + server.base_url() +
                             "/todos/$((i+1)); sleep 0.05; i=$((i+1)); done | " SLUICE_BINARY
                             " -c 10 --results /dev/null --summary-json " +
                             summary.string() + " -";
  const auto result = test::run_child("/bin/sh", {"-c", script}, {}, 30s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("bound by:   input/consumer ("), std::string::npos) << result.err;
  const auto json = nlohmann::json::parse(test::read_file(summary));
  EXPECT_EQ(json["bound_by"]["kind"], "input");
  EXPECT_GE(json["bound_by"]["share"].get<double>(), kMostOfTheTime);
}

TEST(BindingCliTest, AutoBandwidthShowsTheLearnedLinkRateInTheStatsLog) {
  // Each connection served at 1 MB/s: 4 bodies of 256 KiB take about 250 ms, ten of the
  // controller's first intervals.
  Server server(ServerConfig{.bandwidth = 1'000'000});
  const test::TempDir dir;
  const auto log = dir.path() / "stats.jsonl";
  const auto result = test::run_child(
      SLUICE_BINARY, {"-q", "-c", "4", "--max-bandwidth", "auto", "--results", "/dev/null",
                      "--stats-log", log.string(), server.base_url() + "/bytes/262144?n={1..4}"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(test::read_file(log));
  std::string last;
  for (std::string line; std::getline(lines, line);) last = line;
  const auto json = nlohmann::json::parse(last);
  ASSERT_TRUE(json.contains("link_rate")) << last;
  EXPECT_GT(json["link_rate"].get<std::uint64_t>(), 0u) << last;
}

TEST(BindingCliTest, StatsLogHasALineEvery100MsWithTheRunsGauges) {
  Server server(ServerConfig{.latency = 20ms});
  const test::TempDir dir;
  const auto log = dir.path() / "stats.jsonl";
  // 100 URLs of 20 ms at -c 5: about 400 ms, so four lines or five, and the last.
  const auto result =
      test::run_child(SLUICE_BINARY, {"-q", "-c", "5", "--results", "/dev/null", "--stats-log",
                                      log.string(), server.base_url() + "/todos/{1..100}"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(test::read_file(log));
  std::vector<nlohmann::json> parsed;
  for (std::string line; std::getline(lines, line);) {
    parsed.push_back(nlohmann::json::parse(line));  // throws, failing the test, if malformed
  }
  ASSERT_GE(parsed.size(), 3u);
  std::uint64_t previous_t = 0;
  std::uint64_t previous_records = 0;
  std::uint64_t due_ms = 0;
  for (const auto& line : parsed) {
    for (const char* key : {"t_ms", "in_flight", "limit", "records", "ok", "bytes"}) {
      ASSERT_TRUE(line[key].is_number_unsigned()) << key << " in " << line;
    }
    for (const char* key : {"p50_ms", "p99_ms"}) {
      ASSERT_TRUE(line[key].is_number() || line[key].is_null()) << key << " in " << line;
    }
    // Line k is due k * 100 ms in, on a fixed grid, and taken then or later: never sooner.
    // How much later is load-sensitive and measured by bench/timing_bench.py --only statslog.
    // The last line, written when the run ends, may share the millisecond of the one before.
    due_ms += 100;
    if (&line == &parsed.back()) {
      EXPECT_GE(line["t_ms"].get<std::uint64_t>(), previous_t) << line;
    } else {
      EXPECT_GE(line["t_ms"].get<std::uint64_t>(), due_ms) << line;
      EXPECT_GT(line["t_ms"].get<std::uint64_t>(), previous_t) << line;
    }
    EXPECT_GE(line["records"].get<std::uint64_t>(), previous_records) << line;
    EXPECT_LE(line["in_flight"].get<std::uint64_t>(), 5u);
    EXPECT_EQ(line["limit"], 5);
    if (line["p50_ms"].is_number()) {
      EXPECT_GE(line["p50_ms"].get<double>(), 20.0);
      EXPECT_GE(line["p99_ms"].get<double>(), line["p50_ms"].get<double>());
    }
    previous_t = line["t_ms"].get<std::uint64_t>();
    previous_records = line["records"].get<std::uint64_t>();
  }
  EXPECT_EQ(parsed.back()["records"], 100);
  EXPECT_EQ(parsed.back()["ok"], 100);
}

}  // namespace
}  // namespace sluice
