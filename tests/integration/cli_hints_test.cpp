// The conveniences of the command line, through the real binary: hints on common mistakes,
// the summary's efficiency against what bound the run, and watch's help.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/run_sluice.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

using test::run_sluice;

TEST(CliHintsTest, AFileGivenAsAUrlAsksWhetherAnAtWasMeant) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto list = dir.write("urls.txt", server.base_url() + "/todos/1\n").string();
  const auto result = run_sluice({server.base_url() + "/todos/2", list});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(result.err,
            "sluice: arg:2: '" + list + "' is a file, not a URL: did you mean @" + list + "?\n");
  EXPECT_EQ(server.stats().requests, 0u);
}

TEST(CliHintsTest, AMissingColonIsABadLineNamedInTheSummary) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const std::string typo = "http//127.0.0.1:" + std::to_string(server.port()) + "/todos/1";
  const auto list = dir.write("urls.txt", server.base_url() + "/todos/2\n" + typo + "\n").string();
  const auto result = run_sluice({"@" + list});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const auto records = test::parse_records(result.out);
  ASSERT_EQ(records.size(), 2u) << result.out;
  const auto& bad = records[0]["ok"].get<bool>() ? records[1] : records[0];
  EXPECT_EQ(bad["error"]["kind"], "invalid_url");
  EXPECT_EQ(bad["source"], list + ":2");
  const std::string message =
      "missing ':' after 'http'? (did you mean http:" + typo.substr(4) + "?)";
  EXPECT_EQ(bad["error"]["message"], message);
  EXPECT_NE(result.err.find("bad input:  1 line not a URL; the first: " + list + ":2: " + typo +
                            ": " + message + "\n"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(server.stats().requests, 1u);
}

TEST(CliHintsTest, ADurationWithoutAUnitWarnsThatItMeansSeconds) {
  Server server(ServerConfig{});
  const auto result = run_sluice({"-q", "--timeout", "30", server.base_url() + "/todos/1"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err,
            "sluice: warning: --timeout 30 has no unit, so it means 30s (units: ms, s, m, h)\n");
  // 0 ("none") needs no unit, and a unit silences the warning.
  const auto zero = run_sluice({"-q", "--timeout", "0", server.base_url() + "/todos/1"});
  EXPECT_EQ(zero.exit_code, 0) << zero.err;
  EXPECT_EQ(zero.err, "");
  EXPECT_EQ(server.stats().requests, 2u);
}

TEST(CliHintsTest, AnUnknownDurationUnitNamesTheUnits) {
  const auto result = run_sluice({"--timeout", "30sec", "http://127.0.0.1:9/"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "sluice: --timeout: invalid duration '30sec' (units: ms, s, m, h, e.g. 500ms, 10s, "
            "2m)\n");
}

TEST(CliHintsTest, WatchHelpListsTheFetchOptionsItAccepts) {
  const auto result = run_sluice({"watch", "--help"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* option : {"\n  -c,--concurrency ", "\n  --rate ", "\n  -H,--header ",
                             "\n  --max-bandwidth ", "\n  -o,--output-dir ", "\n  --progress "}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option << "\n" << result.out;
  }
  // What watch writes per job to OUTBOX instead.
  for (const char* option : {"--results", "--resume", "--summary-json", "--stats-log"}) {
    EXPECT_EQ(result.out.find(option), std::string::npos) << option << "\n" << result.out;
  }
}

TEST(CliEfficiencyTest, ARateBoundRunIsMeasuredAgainstTheRate) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto summary_path = dir.path() / "summary.json";
  const auto result = run_sluice({"--rate", "50/s", "--summary-json", summary_path.string(),
                                  server.base_url() + "/todos/{1..40}"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary = nlohmann::json::parse(test::read_file(summary_path));
  ASSERT_EQ(summary["bound_by"]["kind"], "rate") << result.err;
  EXPECT_EQ(summary["efficiency_basis"], "rate");
  EXPECT_EQ(summary["rate"], 50.0);
  EXPECT_NE(result.err.find(" % of --rate (40 starts at 50.0/s need 780.0 ms)\n"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(server.stats().requests, 40u);
}

// 10 URLs at 400/m (one start every 150 ms) take 1.35 s, and a plain progress line comes
// every second: the one at 1 s has the whole input read and the eighth start waiting for the
// rate, 50 ms away. (At 5/s a start fell due at the line's very moment, and the line could
// come between that start and the next one's reservation, when nothing waits yet.)
TEST(CliProgressTest, ShowsThePercentageAndThatTheRateHoldsTheRunBack) {
  Server server(ServerConfig{});
  const auto result = run_sluice({"-q", "--progress", "--rate", "400/m", "--results", "/dev/null",
                                  server.base_url() + "/todos/{1..10}"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("/10 done ("), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(" · waiting for --rate"), std::string::npos) << result.err;
  EXPECT_EQ(server.stats().requests, 10u);
}

}  // namespace
}  // namespace sluice
