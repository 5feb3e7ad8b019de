// Results that cannot be written (a full disk, a closed pipe) on the real binary: the first
// failed write stops the run, and the exit code says the output failed.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

constexpr int kExitOutputFailed = 4;
// Far more than a stopped run fetches: the first write comes at the latest when 64 KiB of
// lines (some 450 records) are waiting, and a stop then lets only the -c in flight finish.
constexpr int kListedUrls = 3000;
constexpr std::uint64_t kMostRequestsOfAStoppedRun = kListedUrls / 2;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// Answers that take 10 ms at -c 10: the whole list would take 3 s, the stopped run far less.
class OutputFailureTest : public ::testing::TestWithParam<std::string> {
 protected:
  OutputFailureTest() : server_(ServerConfig{.latency = 10ms}) {
    list_ = dir_.write("urls.txt", urls());
  }

  std::string urls() const {
    std::string text;
    for (int n = 1; n <= kListedUrls; ++n)
      text += server_.base_url() + "/todos/" + std::to_string(n) + '\n';
    return text;
  }

  std::vector<std::string> args(std::vector<std::string> more) const {
    std::vector<std::string> all{"--engine", GetParam(), "-c", "10", "@" + list_.string()};
    all.insert(all.end(), more.begin(), more.end());
    return all;
  }

  Server server_;
  test::TempDir dir_;
  std::filesystem::path list_;
};

INSTANTIATE_TEST_SUITE_P(Engines, OutputFailureTest, ::testing::Values("loop", "threads"));

// A tmpfs of `size` mounted on a fresh directory and unmounted at scope end. Needs root, as
// CI runs the tests.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& size) : path_(dir_.path() / "disk") {
    std::filesystem::create_directory(path_);
    const std::string data = "size=" + size;
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, data.c_str()) != 0) {
      throw std::runtime_error("cannot mount a tmpfs on " + path_.string() + " (needs root)");
    }
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  ~SmallTmpfs() { ::umount(path_.c_str()); }

  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  test::TempDir dir_;
  std::filesystem::path path_;
};

TEST_P(OutputFailureTest, AFullDiskStopsAdmissionAtTheFirstFailedWrite) {
  // /dev/full fails every write with ENOSPC.
  const auto result = test::run_child(SLUICE_BINARY, args({"--results", "/dev/full"}), {}, 60s);
  EXPECT_EQ(result.exit_code, kExitOutputFailed) << result.err;
  EXPECT_LE(server_.stats().requests, kMostRequestsOfAStoppedRun);
  EXPECT_EQ(
      first_line(result.err)
          .rfind("results not written: /dev/full: No space left on device after 0 records; stopped",
                 0),
      0u)
      << result.err;
  EXPECT_NE(result.err.find("unwritten:"), std::string::npos) << result.err;
}

TEST_P(OutputFailureTest, AFullDiskIsNamedEvenWithQuiet) {
  const auto result =
      test::run_child(SLUICE_BINARY, args({"--results", "/dev/full", "-q"}), {}, 60s);
  EXPECT_EQ(result.exit_code, kExitOutputFailed) << result.err;
  EXPECT_EQ(first_line(result.err).rfind("sluice: results not written: /dev/full: ", 0), 0u)
      << result.err;
}

TEST_P(OutputFailureTest, WhatAFullDiskKeptIsCompletedByResume) {
  std::filesystem::path kept = dir_.path() / "kept.jsonl";
  {
    const SmallTmpfs disk("64k");
    const auto results = disk.path() / "run.jsonl";
    const auto result =
        test::run_child(SLUICE_BINARY, args({"--results", results.string()}), {}, 60s);
    EXPECT_EQ(result.exit_code, kExitOutputFailed) << result.err;
    EXPECT_EQ(
        first_line(result.err)
            .rfind("results not written: " + results.string() + ": No space left on device after ",
                   0),
        0u)
        << result.err;
    EXPECT_LE(server_.stats().requests, kMostRequestsOfAStoppedRun);
    // Every line but the last is a whole record.
    std::istringstream lines(test::read_file(results));
    std::vector<std::string> all;
    for (std::string line; std::getline(lines, line);) all.push_back(line);
    ASSERT_FALSE(all.empty());
    for (std::size_t n = 0; n + 1 < all.size(); ++n) {
      EXPECT_TRUE(nlohmann::json::accept(all[n])) << "line " << n + 1 << ": " << all[n];
    }
    std::filesystem::copy_file(results, kept);
  }
  const auto resumed = test::run_child(SLUICE_BINARY, args({"--resume", kept.string()}), {}, 60s);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto by_url = test::count_by_url(test::read_records(kept));
  EXPECT_EQ(by_url.size(), static_cast<std::size_t>(kListedUrls));
  for (const auto& [url, count] : by_url) EXPECT_EQ(count, 1u) << url;
}

TEST_P(OutputFailureTest, AClosedStandardOutputStopsTheRunQuietly) {
  test::ChildProcess child(SLUICE_BINARY, args({}));
  const std::string head = child.read_first_line(30s);
  child.close_output();
  const auto result = child.wait(60s);
  EXPECT_NE(head.find('\n'), std::string::npos) << "no line before the run ended";
  EXPECT_EQ(result.exit_code, kExitOutputFailed) << result.err;
  EXPECT_LE(server_.stats().requests, kMostRequestsOfAStoppedRun);
  EXPECT_EQ(first_line(result.err).rfind("stopped: standard output was closed after ", 0), 0u)
      << result.err;
  for (const char* noise : {"cannot write", "Broken pipe", "error"}) {
    EXPECT_EQ(result.err.find(noise), std::string::npos) << noise << " in:\n" << result.err;
  }
}

TEST_P(OutputFailureTest, AClosedStandardOutputWithQuietSaysNothing) {
  test::ChildProcess child(SLUICE_BINARY, args({"-q"}));
  child.read_first_line(30s);
  child.close_output();
  const auto result = child.wait(60s);
  EXPECT_EQ(result.exit_code, kExitOutputFailed) << result.err;
  EXPECT_LE(server_.stats().requests, kMostRequestsOfAStoppedRun);
  EXPECT_EQ(result.err, "");
}

}  // namespace
}  // namespace sluice
