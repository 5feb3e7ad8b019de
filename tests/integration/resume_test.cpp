// `--resume FILE` on the real binary: URLs with a final record are skipped, the rest are
// fetched and appended, and a run killed part-way plus its resumption equal one whole run.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

test::ChildResult run_sluice(const std::vector<std::string>& args) {
  return test::run_child(SLUICE_BINARY, args, {}, 60s);
}

std::map<std::string, std::size_t> records_per_url(const std::vector<nlohmann::json>& records) {
  std::map<std::string, std::size_t> counts;
  for (const auto& record : records) ++counts[record["url"].get<std::string>()];
  return counts;
}

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

TEST_P(ResumeTest, OnlyUrlsWithoutAFinalRecordAreFetchedAgainAndAppended) {
  ASSERT_EQ(run({"--results", results_.string()}).exit_code, 1);
  ASSERT_EQ(server_.stats().requests, 12u);

  const auto resumed = run({"--resume", results_.string()});
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;  // the 503 failed again
  // The 503 is transient, so it is the only URL asked again; the 404 is final.
  EXPECT_EQ(server_.stats().requests, 13u);
  EXPECT_NE(resumed.err.find("11 URLs skipped"), std::string::npos) << resumed.err;
  const auto records = test::read_records(results_);
  ASSERT_EQ(records.size(), 13u);
  EXPECT_EQ(records_per_url(records)[server_.base_url() + "/status/503"], 2u);
}

TEST_P(ResumeTest, RetryFailedAlsoFetchesPermanentFailuresAgain) {
  ASSERT_EQ(run({"--results", results_.string()}).exit_code, 1);
  const auto resumed = run({"--resume", results_.string(), "--retry-failed"});
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;
  EXPECT_EQ(server_.stats().requests, 14u);  // the 404 and the 503 again
  EXPECT_EQ(test::read_records(results_).size(), 14u);
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
  // The torn line stays on its own line; the new record after it is whole.
  const std::string text = test::read_file(results_);
  const auto second_line = text.find('\n') + 1;
  const auto record = nlohmann::json::parse(text.substr(second_line));
  EXPECT_EQ(record["url"], url);
  EXPECT_EQ(record["ok"], true);
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
  // Only whole lines, though the kill came in the middle of the run.
  const auto partial = test::read_records(results_);
  EXPECT_LT(partial.size(), 400u);

  const auto resumed =
      run_sluice({"-c", "10", "--engine", GetParam(), "--resume", results_.string(), list});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto records = test::read_records(results_);
  const auto per_url = records_per_url(records);
  EXPECT_EQ(per_url.size(), 400u);
  EXPECT_EQ(records.size(), 400u);
  for (const auto& [url, count] : per_url) EXPECT_EQ(count, 1u) << url;
  EXPECT_EQ(test::count_by_kind(records)["ok"], 400u);
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
