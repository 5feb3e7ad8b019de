// The open-file limit on the real binary: the start-up check counts every descriptor a run
// holds (and names its numbers when it refuses), and a run that still runs out of them at
// run time (EMFILE) waits and tries again instead of failing URLs or watch lists.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The arguments of /bin/bash that run sluice with `args` under `ulimit -n limit` (soft and
// hard: the binary cannot raise it), holding `inherited` more descriptors that it did not
// open itself and that its start-up check therefore cannot know of.
std::vector<std::string> limited(int limit, int inherited, const std::vector<std::string>& args) {
  const std::string script =
      "ulimit -n \"$1\" || exit 99; i=0; while [ $i -lt \"$2\" ]; do "
      "eval \"exec $((20 + i))</dev/null\"; i=$((i + 1)); done; shift 2; exec \"$@\"";
  std::vector<std::string> argv{
      "-c", script, "bash", std::to_string(limit), std::to_string(inherited), SLUICE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

test::ChildResult run_limited(int limit, int inherited, const std::vector<std::string>& args) {
  return test::run_child("/bin/bash", limited(limit, inherited, args));
}

// Inherited descriptors that leave a run short at run time: more than the budget's margins
// (name lookups, libraries) that a run against a loopback address does not use.
constexpr int kInherited = 150;

// UBSan checks a dynamic type by reading the vtable through a pipe it opens
// (IsAccessibleMemoryRange); in a process starved of descriptors on purpose the pipe fails,
// and it reports a false "invalid vptr" and aborts. These runs are for the dev and tsan builds.
#ifdef SLUICE_SANITIZED_UNDEFINED
#define SKIP_WHEN_STARVING_UBSAN() \
  GTEST_SKIP() << "UBSan needs descriptors of its own for its vptr checks"
#else
#define SKIP_WHEN_STARVING_UBSAN() static_cast<void>(0)
#endif

// The number of open files a refusal says the run needs; 0 when it says none.
int needed_files(const std::string& error) {
  std::smatch match;
  if (!std::regex_search(error, match, std::regex("needs about ([0-9]+) open files"))) return 0;
  return std::stoi(match[1]);
}

// What `args` needs, asked of the binary itself with a limit too low for any run.
int needed_files(const std::vector<std::string>& args) {
  const auto refused = run_limited(40, 0, args);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("ulimit -n"), std::string::npos) << refused.err;
  return needed_files(refused.err);
}

class OpenFilesTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::vector<std::string> fetch_args() const {
    return {"-q",
            "--engine",
            GetParam(),
            "-c",
            "200",
            "-o",
            (dir_.path() / "bodies").string(),
            "--results",
            results_.string(),
            server_.base_url() + "/todos/{1..1000}"};
  }
  // Every URL has one record, and each is a success.
  void expect_all_ok(const test::ChildResult& result) const {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto records = test::read_records(results_);
    EXPECT_EQ(records.size(), 1000u);
    auto kinds = test::count_by_kind(records);
    EXPECT_EQ(kinds["ok"], 1000u) << "io: " << kinds["io"] << ", connect: " << kinds["connect"];
  }

  Server server_{ServerConfig{.latency = 20ms}};
  test::TempDir dir_;
  fs::path results_ = dir_.path() / "results.jsonl";
};

INSTANTIATE_TEST_SUITE_P(Engines, OpenFilesTest, ::testing::Values("loop", "threads"));

// Each of the 200 transfers holds a socket and a body file at once: a check that counted
// only sockets let this run start, and its bodies then failed with "Too many open files".
TEST_P(OpenFilesTest, ARunWithinTheCheckedLimitSavesEveryBody) {
  const int needed = needed_files(fetch_args());
  ASSERT_GT(needed, 400);  // 200 sockets and 200 body files at the least
  expect_all_ok(run_limited(needed, 0, fetch_args()));
}

TEST_P(OpenFilesTest, ALimitBelowTheCheckIsRefusedWithItsNumbers) {
  const int needed = needed_files(fetch_args());
  const auto refused = run_limited(needed - 1, 0, fetch_args());
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(needed_files(refused.err), needed) << refused.err;
  EXPECT_NE(refused.err.find("may open only " + std::to_string(needed - 1)), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("per transfer"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(results_));
}

// Descriptors the run did not open leave it short of its budget at run time: transfers
// that find no descriptor for their socket or body file wait for one and try again.
TEST_P(OpenFilesTest, TransfersShortOfDescriptorsWaitAndTryAgain) {
  SKIP_WHEN_STARVING_UBSAN();
  const int needed = needed_files(fetch_args());
  expect_all_ok(run_limited(needed, kInherited, fetch_args()));
}

class WatchOpenFilesTest : public ::testing::Test {
 protected:
  // Drops 40 lists of 5 URLs into INBOX, runs watch under the limit until every list has
  // left .active (or `time_limit` passed), and stops it.
  void run_jobs(int limit, int inherited) {
    for (std::size_t list = 0; list < kLists; ++list) {
      std::string urls;
      for (int n = 1; n <= 5; ++n)
        urls += server_.base_url() + "/todos/" + std::to_string(n) + "\n";
      dir_.write("inbox/list" + std::to_string(list) + ".txt", urls);
    }
    test::ChildProcess sluice("/bin/bash", limited(limit, inherited, watch_args()));
    test::wait_until([&] { return count(".done") + count(".failed") == kLists; }, 60s);
    sluice.signal(SIGTERM);
    const auto result = sluice.wait(30s);
    EXPECT_EQ(result.exit_code, 143) << result.err;
  }
  std::vector<std::string> watch_args() const {
    return {"watch", (dir_.path() / "inbox").string(),
            "--out", (dir_.path() / "outbox").string(),
            "-c",    "10"};
  }
  std::size_t count(const std::string& folder) const {
    std::error_code error;
    std::size_t lists = 0;
    for (const auto& entry : fs::directory_iterator(dir_.path() / "inbox" / folder, error)) {
      if (entry.path().extension() == ".txt") ++lists;
    }
    return lists;
  }

  static constexpr std::size_t kLists = 40;
  Server server_{ServerConfig{}};
  test::TempDir dir_;
};

// The watch run's jobs each hold their list, its reader's wake-up and their results: a check
// that counted sockets only let 40 lists start at `ulimit -n 74` and sent 24 to .failed.
TEST_F(WatchOpenFilesTest, EveryListIsDoneWithinTheCheckedLimit) {
  fs::create_directories(dir_.path() / "inbox");
  const int needed = needed_files(watch_args());
  ASSERT_GT(needed, 0);
  run_jobs(needed, 0);
  EXPECT_EQ(count(".failed"), 0u);
  EXPECT_EQ(count(".done"), kLists);
}

// Short of descriptors at run time, a list that cannot be opened waits in .active.
TEST_F(WatchOpenFilesTest, AListShortOfDescriptorsWaitsInsteadOfFailing) {
  SKIP_WHEN_STARVING_UBSAN();
  fs::create_directories(dir_.path() / "inbox");
  const int needed = needed_files(watch_args());
  ASSERT_GT(needed, 0);
  run_jobs(needed, kInherited);
  EXPECT_EQ(count(".failed"), 0u);
  EXPECT_EQ(count(".done"), kLists);
}

}  // namespace
}  // namespace sluice
