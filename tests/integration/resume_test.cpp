// `--resume FILE` on the real binary: URLs with a final record are skipped, FILE loses its
// other records, the rest are fetched and appended, and a run killed, stopped or partly
// failed plus its resumption equal one whole run, exit code included.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/run_sluice.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

using test::run_sluice;

class ResumeTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<std::string> sources() const {
    return {server_.base_url() + "/todos/{1..10}", server_.base_url() + "/status/404",
            server_.base_url() + "/status/503"};
  }
  test::ChildResult run(std::vector<std::string> extra) const {
    std::vector<std::string> args{"-c", "2", "--engine", GetParam(), "--retries", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const auto& source : sources()) args.push_back(source);
    return run_sluice(args);
  }

  Server server_{ServerConfig{}};
  test::TempDir dir_;
  std::filesystem::path results_ = dir_.path() / "results.jsonl";
};

INSTANTIATE_TEST_SUITE_P(Engines, ResumeTest, ::testing::Values("loop", "threads"));

TEST_P(ResumeTest, OnlyUrlsWithoutAFinalRecordAreFetchedAgainAndReplaceTheirRecords) {
  ASSERT_EQ(run({"--results", results_.string()}).exit_code, 1);
  ASSERT_EQ(server_.stats().requests, 12u);

  const auto resumed = run({"--resume", results_.string()});
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;  // the 503 failed again
  // The 503 is transient, so it is the only URL asked again; the 404 is final.
  EXPECT_EQ(server_.stats().requests, 13u);
  EXPECT_NE(resumed.err.find("11 URLs skipped, already done (1 of them failed)"), std::string::npos)
      << resumed.err;
  // The first 503 record was removed before the second was appended.
  const auto records = test::read_records(results_);
  EXPECT_EQ(records.size(), 12u);
  const auto per_url = test::count_by_url(records);
  EXPECT_EQ(per_url.size(), 12u);
  for (const auto& [url, count] : per_url) EXPECT_EQ(count, 1u) << url;
  EXPECT_EQ(records.back()["url"], server_.base_url() + "/status/503");
}

TEST_P(ResumeTest, RetryFailedAlsoFetchesPermanentFailuresAgain) {
  ASSERT_EQ(run({"--results", results_.string()}).exit_code, 1);
  const auto resumed = run({"--resume", results_.string(), "--retry-failed"});
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;
  EXPECT_EQ(server_.stats().requests, 14u);  // the 404 and the 503 again
  const auto per_url = test::count_by_url(test::read_records(results_));
  EXPECT_EQ(per_url.size(), 12u);
  for (const auto& [url, count] : per_url) EXPECT_EQ(count, 1u) << url;
}

TEST_P(ResumeTest, AResumeWithNothingLeftToFetchStillFailsForAFailedRecord) {
  const std::vector<std::string> args{"--engine", GetParam(), server_.base_url() + "/todos/1",
                                      server_.base_url() + "/status/404"};
  const auto with = [&args](std::vector<std::string> first) {
    first.insert(first.end(), args.begin(), args.end());
    return run_sluice(first);
  };
  ASSERT_EQ(with({"--results", results_.string()}).exit_code, 1);
  const std::string before = test::read_file(results_);

  const auto resumed = with({"--resume", results_.string()});
  // One uninterrupted run would have failed with the 404 too.
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;
  EXPECT_NE(resumed.err.find("2 URLs skipped, already done (1 of them failed)"), std::string::npos)
      << resumed.err;
  EXPECT_EQ(server_.stats().requests, 2u);
  EXPECT_EQ(test::read_file(results_), before);

  // The same run without the failure exits 0.
  const auto summary = dir_.path() / "summary.json";
  const auto ok_only =
      run_sluice({"--engine", GetParam(), "--resume", results_.string(), "--summary-json",
                  summary.string(), server_.base_url() + "/todos/1"});
  EXPECT_EQ(ok_only.exit_code, 0) << ok_only.err;
  const auto json = nlohmann::json::parse(test::read_file(summary));
  EXPECT_EQ(json.value("skipped", -1), 1);
  EXPECT_EQ(json.value("skipped_failures", -1), 0);
}

TEST_P(ResumeTest, AUrlWithInvalidUtf8IsMatchedByItsRecord) {
  const auto list =
      dir_.write("urls.txt", "http://bad\xff\xfe/x\n" + server_.base_url() + "/todos/1\n");
  const std::vector<std::string> first{"--engine", GetParam(), "--results", results_.string(),
                                       "@" + list.string()};
  ASSERT_EQ(run_sluice(first).exit_code, 1);
  ASSERT_EQ(test::count_by_kind(test::read_records(results_))["invalid_url"], 1u);

  for (int resume = 0; resume < 2; ++resume) {
    const auto resumed =
        run_sluice({"--engine", GetParam(), "--resume", results_.string(), "@" + list.string()});
    EXPECT_EQ(resumed.exit_code, 1) << resumed.err;
    EXPECT_NE(resumed.err.find("2 URLs skipped, already done (1 of them failed)"),
              std::string::npos)
        << resumed.err;
  }
  const auto records = test::read_records(results_);
  EXPECT_EQ(records.size(), 2u);
  EXPECT_EQ(test::count_by_kind(records)["invalid_url"], 1u);
  EXPECT_EQ(server_.stats().requests, 1u);
}

TEST_P(ResumeTest, ATornLastLineIsReportedAndItsUrlFetchedAgain) {
  const std::string url = server_.base_url() + "/todos/1";
  {
    std::ofstream file(results_);
    file << R"({"url":")" << url << R"(","status":200,"ok":true,"bytes":1)";  // no newline
  }
  const auto resumed = run_sluice({"--resume", results_.string(), "--engine", GetParam(), url});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("1 lines are not records (the first is line 1)"), std::string::npos)
      << resumed.err;
  EXPECT_EQ(server_.stats().requests, 1u);
  // The torn line was removed; the new record is whole.
  const auto records = test::read_records(results_);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["url"], url);
  EXPECT_EQ(records[0]["ok"], true);
}

TEST_P(ResumeTest, ARunKilledPartWayAndResumedHasEveryUrlExactlyOnce) {
  const std::string list = server_.base_url() + "/todos/{1..400}?delay=10ms";
  const std::vector<std::string> args{
      "-c", "10", "--engine", GetParam(), "--results", results_.string(), list};
  {
    test::ChildProcess first(SLUICE_BINARY, args);
    ASSERT_TRUE(test::wait_until([&] { return server_.stats().requests >= 150; }));
    first.signal(SIGKILL);
    const auto killed = first.wait(10s);
    ASSERT_EQ(killed.signal, SIGKILL);
  }
  // Whole lines, though the kill came in the middle of the run; but the last may be torn.
  const auto partial = test::read_records_after_kill(results_);
  EXPECT_LT(partial.size(), 400u);

  const auto resumed =
      run_sluice({"-c", "10", "--engine", GetParam(), "--resume", results_.string(), list});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  // The resume repaired a torn last line: every line is a whole record.
  const auto records = test::read_records(results_);
  const auto per_url = test::count_by_url(records);
  EXPECT_EQ(per_url.size(), 400u);
  EXPECT_EQ(records.size(), 400u);
  for (const auto& [url, count] : per_url) EXPECT_EQ(count, 1u) << url;
  EXPECT_EQ(test::count_by_kind(records)["ok"], 400u);
}

// Ctrl-C cancels the URLs not done; the resumed run replaces exactly those records. Every URL
// ends with one ok record, and the server was asked once more for each cancelled URL only.
TEST_P(ResumeTest, ARunStoppedByCtrlCAndResumedRefetchesOnlyTheCancelledUrls) {
  const std::string list = server_.base_url() + "/todos/{1..20}?delay=200ms";
  {
    test::ChildProcess first(SLUICE_BINARY, {"-c", "3", "--grace", "100ms", "--engine", GetParam(),
                                             "--results", results_.string(), list});
    ASSERT_TRUE(test::wait_until([&] { return server_.stats().requests >= 7; }));
    first.signal(SIGINT);
    const auto stopped = first.wait(30s);
    ASSERT_EQ(stopped.exit_code, 130) << stopped.err;
  }
  // Transfers the grace cut off are still answered (and counted) by the server.
  ASSERT_TRUE(test::wait_until([&] { return server_.stats().in_flight == 0; }));
  const auto requests_before = server_.stats().requests;
  const auto stopped = test::read_records(results_);
  ASSERT_EQ(stopped.size(), 20u);
  auto kinds = test::count_by_kind(stopped);
  ASSERT_GT(kinds["ok"], 0u);
  ASSERT_GT(kinds["cancelled"], 0u);
  ASSERT_EQ(kinds["ok"] + kinds["cancelled"], 20u);

  const auto resumed =
      run_sluice({"-c", "3", "--engine", GetParam(), "--resume", results_.string(), list});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto records = test::read_records(results_);
  EXPECT_EQ(records.size(), 20u);
  const auto per_url = test::count_by_url(records);
  EXPECT_EQ(per_url.size(), 20u);
  for (const auto& [url, count] : per_url) EXPECT_EQ(count, 1u) << url;
  EXPECT_EQ(test::count_by_kind(records)["ok"], 20u);
  // Each cancelled URL needed a request for its new record; so no ok URL was asked again.
  EXPECT_EQ(server_.stats().requests - requests_before, kinds["cancelled"]);
}

TEST(ResumeUsageTest, ResultsMayNameTheResumeFileInAnotherSpelling) {
  Server server{ServerConfig{}};
  test::TempDir dir;
  const std::string url = server.base_url() + "/todos/1";
  ASSERT_EQ(run_sluice({"--results", (dir.path() / "r.jsonl").string(), url}).exit_code, 0);
  // The command of the issue, run in the directory of the file.
  const auto resumed =
      test::run_child("/bin/sh",
                      {"-c", R"(cd "$0" && exec "$1" --resume ./r.jsonl --results r.jsonl "$2")",
                       dir.path().string(), SLUICE_BINARY, url},
                      {}, 60s);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("1 URLs skipped"), std::string::npos) << resumed.err;
  EXPECT_EQ(server.stats().requests, 1u);
}

TEST(ResumeUsageTest, MistakesAreUsageErrorsNamingTheOption) {
  test::TempDir dir;
  const auto missing = (dir.path() / "missing.jsonl").string();
  const auto other = (dir.path() / "other.jsonl").string();
  const auto unknown = run_sluice({"--resume", missing, "http://127.0.0.1:9/"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("cannot read resume file '" + missing + "'"), std::string::npos)
      << unknown.err;
  const auto alone = run_sluice({"--retry-failed", "http://127.0.0.1:9/"});
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_NE(alone.err.find("--retry-failed"), std::string::npos) << alone.err;
  dir.write("missing.jsonl", "");
  const auto clash = run_sluice({"--resume", missing, "--results", other, "http://127.0.0.1:9/"});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_NE(clash.err.find("--results"), std::string::npos) << clash.err;
}

}  // namespace
}  // namespace sluice
