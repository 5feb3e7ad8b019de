// Ctrl-C and SIGTERM sent to a real `sluice` child: no new requests, a grace period for
// the transfers in flight, one record per URL read, the summary, exit code 128 + signal.
#include <gtest/gtest.h>
#include <signal.h>

#include <set>
#include <thread>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

struct SignalCase {
  std::string engine;
  int signal;
};

void PrintTo(const SignalCase& signal_case, std::ostream* out) {
  *out << signal_case.engine << ' ' << (signal_case.signal == SIGINT ? "SIGINT" : "SIGTERM");
}

class StopSignalTest : public ::testing::TestWithParam<SignalCase> {
 protected:
  std::vector<std::string> args(const Server& server, const std::string& delay,
                                const std::string& grace) const {
    return {"-c",
            "3",
            "--engine",
            GetParam().engine,
            "--grace",
            grace,
            "--results",
            results_.string(),
            server.base_url() + "/todos/{1..20}?delay=" + delay};
  }
  // Waits until the server holds all three requests, so the signal finds them in flight.
  static void wait_for_three_in_flight(const Server& server) {
    ASSERT_TRUE(test::wait_until([&] { return server.stats().in_flight == 3; }));
  }

  // The records of a stopped run: one per URL read before the signal, which may be fewer
  // than the 20 listed (the reader may not have reached them all), but never fewer than
  // the three in flight. The summary must count the same.
  std::vector<nlohmann::json> stopped_records(const test::ChildResult& result) const {
    auto records = test::read_records(results_);
    EXPECT_GE(records.size(), 3u);
    EXPECT_LE(records.size(), 20u);
    EXPECT_NE(result.err.find(std::to_string(records.size()) + " URLs:"), std::string::npos)
        << result.err;
    std::set<std::string> urls;
    for (const auto& record : records) urls.insert(record["url"].get<std::string>());
    EXPECT_EQ(urls.size(), records.size());  // no URL twice
    return records;
  }

  test::TempDir dir_;
  std::filesystem::path results_ = dir_.path() / "results.jsonl";
};

INSTANTIATE_TEST_SUITE_P(EnginesAndSignals, StopSignalTest,
                         ::testing::Values(SignalCase{"loop", SIGINT}, SignalCase{"loop", SIGTERM},
                                           SignalCase{"threads", SIGINT},
                                           SignalCase{"threads", SIGTERM}),
                         [](const ::testing::TestParamInfo<SignalCase>& case_info) {
                           return case_info.param.engine +
                                  (case_info.param.signal == SIGINT ? "_SIGINT" : "_SIGTERM");
                         });

TEST_P(StopSignalTest, TransfersInFlightFinishWithinTheGraceAndTheRestAreCancelled) {
  Server server(ServerConfig{});
  test::ChildProcess sluice(SLUICE_BINARY, args(server, "700ms", "20s"));
  wait_for_three_in_flight(server);
  sluice.signal(GetParam().signal);
  const auto result = sluice.wait(30s);

  EXPECT_EQ(result.exit_code, 128 + GetParam().signal) << result.err;
  const auto records = stopped_records(result);
  auto kinds = test::count_by_kind(records);
  // Exactly the requests the server saw were let finish; nothing new was started.
  EXPECT_EQ(kinds["ok"], server.stats().requests);
  EXPECT_EQ(kinds["ok"], 3u);
  EXPECT_EQ(kinds["cancelled"], records.size() - 3);
}

// The longest grace a duration may state is waited for, not overflowed into no grace at all
// (a wait until now + 3,000,000 h ended at once).
TEST_P(StopSignalTest, TheLongestGraceIsAGrace) {
  Server server(ServerConfig{});
  test::ChildProcess sluice(SLUICE_BINARY, args(server, "700ms", "8760h"));
  wait_for_three_in_flight(server);
  sluice.signal(GetParam().signal);
  const auto result = sluice.wait(30s);

  EXPECT_EQ(result.exit_code, 128 + GetParam().signal) << result.err;
  EXPECT_EQ(test::count_by_kind(stopped_records(result))["ok"], 3u);
}

TEST_P(StopSignalTest, TransfersStillRunningWhenTheGraceEndsAreCancelled) {
  Server server(ServerConfig{});
  test::ChildProcess sluice(SLUICE_BINARY, args(server, "20s", "300ms"));
  wait_for_three_in_flight(server);
  const auto signalled = std::chrono::steady_clock::now();
  sluice.signal(GetParam().signal);
  const auto result = sluice.wait(15s);

  EXPECT_FALSE(result.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 10s);
  EXPECT_EQ(result.exit_code, 128 + GetParam().signal) << result.err;
  const auto records = stopped_records(result);
  EXPECT_EQ(test::count_by_kind(records)["cancelled"], records.size());
  std::size_t attempted = 0;
  for (const auto& record : records) attempted += record["attempts"].get<std::size_t>();
  EXPECT_EQ(attempted, 3u);  // the three aborted transfers were attempts; the rest were not
}

TEST_P(StopSignalTest, ASecondSignalAbortsAtOnce) {
  Server server(ServerConfig{});
  test::ChildProcess sluice(SLUICE_BINARY, args(server, "30s", "60s"));
  wait_for_three_in_flight(server);
  const auto signalled = std::chrono::steady_clock::now();
  sluice.signal(GetParam().signal);
  // The first signal is handled before the second arrives: both are then seen.
  std::this_thread::sleep_for(300ms);
  sluice.signal(GetParam().signal);
  const auto result = sluice.wait(20s);

  EXPECT_FALSE(result.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, 15s);
  EXPECT_EQ(result.exit_code, 128 + GetParam().signal) << result.err;
  const auto records = stopped_records(result);
  EXPECT_EQ(test::count_by_kind(records)["cancelled"], records.size());
}

TEST(StopSignalReaderTest, ASignalEndsARunWaitingOnStandardInput) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto results = dir.path() / "results.jsonl";
  // Two URLs arrive, then standard input stays open without another byte.
  test::ChildProcess sluice(SLUICE_BINARY, {"--results", results.string(), "-"},
                            server.base_url() + "/todos/1\n" + server.base_url() + "/todos/2\n",
                            /*keep_input_open=*/true);
  ASSERT_TRUE(test::wait_until([&] { return server.stats().requests == 2; }));
  sluice.signal(SIGINT);
  const auto result = sluice.wait(15s);

  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 130) << result.err;
  const auto records = test::read_records(results);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(test::count_by_kind(records)["ok"], 2u);
}

}  // namespace
}  // namespace sluice
