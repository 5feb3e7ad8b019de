// `sluice watch INBOX --out OUTBOX` on the real binary: list files dropped while a large job
// runs are served fairly, written in place or renamed in, same names kept apart, long names
// shortened, bad lists failed with a reason, INBOX removal ends the run cleanly, a SIGKILLed
// run resumes, and a job whose OUTBOX is full pauses and resumes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class WatchTest : public ::testing::Test {
 protected:
  // Starts `sluice watch INBOX --out OUTBOX` with `options`.
  std::unique_ptr<test::ChildProcess> start(std::vector<std::string> options) const {
    std::vector<std::string> args{"watch", inbox_.string(), "--out", outbox_.string()};
    args.insert(args.end(), options.begin(), options.end());
    return std::make_unique<test::ChildProcess>(SLUICE_BINARY, args);
  }
  // Writes the list under a hidden name, then renames it into INBOX, as a careful producer does.
  void drop(const std::string& name, const std::string& content) const {
    dir_.write("." + name, content);
    fs::rename(dir_.path() / ("." + name), inbox_ / name);
  }
  std::string urls(const std::string& path, int first, int last) const {
    std::string list;
    for (int n = first; n <= last; ++n)
      list += server_.base_url() + path + std::to_string(n) + "\n";
    return list;
  }
  // Waits until the job of `key` is finished: OUTBOX has its summary, and its list is in
  // .done (moved there just after the summary, so waiting for the summary alone races).
  bool finished(const std::string& key, std::chrono::milliseconds limit = 20s) const {
    return test::wait_until(
        [&] {
          return fs::exists(outbox_ / (key + ".summary.json")) &&
                 fs::exists(inbox_ / ".done" / key);
        },
        limit);
  }
  std::vector<nlohmann::json> results(const std::string& key) const {
    return test::read_records(outbox_ / (key + ".jsonl"));
  }
  // The KEY of the one finished job in OUTBOX whose name starts with `prefix`, or "".
  std::string finished_key(const std::string& prefix) const {
    constexpr std::string_view kSummary = ".summary.json";
    std::vector<std::string> keys;
    std::error_code not_yet;  // OUTBOX is created by the run
    for (const auto& entry : fs::directory_iterator(outbox_, not_yet)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with(prefix) && name.ends_with(kSummary)) {
        keys.push_back(name.substr(0, name.size() - kSummary.size()));
      }
    }
    return keys.size() == 1 ? keys.front() : "";
  }

  // The list of the full-OUTBOX tests: more records than a 256 KiB OUTBOX holds.
  static constexpr std::size_t kFullOutboxUrls = 3000;
  // Starts sluice with -c 50 on that list and waits until a full OUTBOX paused the job and
  // its transfers in flight ended; nullptr (the test failed) if that did not happen.
  std::unique_ptr<test::ChildProcess> start_until_full_outbox_pauses() const {
    auto sluice = start({"-c", "50"});
    drop("list.txt", server_.base_url() + "/todos/{1.." + std::to_string(kFullOutboxUrls) + "}\n");
    // The pause itself, not a nearly full disk: a disk can fill before the write that fails,
    // and one resized before it would never pause the job.
    if (!sluice->wait_for_error_output("sluice: list.txt paused: ", 30s)) {
      ADD_FAILURE() << "list.txt was not paused";
      return nullptr;
    }
    if (!test::wait_until([&] { return server_.stats().in_flight == 0; }, 30s)) {
      ADD_FAILURE() << "transfers still in flight after the pause";
      return nullptr;
    }
    EXPECT_LT(server_.stats().requests, kFullOutboxUrls);
    return sluice;
  }

  Server server_{ServerConfig{.latency = 50ms}};
  test::TempDir dir_;
  fs::path inbox_ = [this] {
    fs::create_directory(dir_.path() / "inbox");
    return dir_.path() / "inbox";
  }();
  fs::path outbox_ = dir_.path() / "outbox";
};

// 10 URLs dropped while a 100,000-URL job keeps all 50 slots busy. Alone at its share (25
// of the 50 slots) the small job takes one round of the server's 50 ms. A queue served in
// arrival order, as a fetch run's, would first start the 2c + 1024 = 1,124 URLs of the large
// job already queued. So the test counts the large job's requests from the drop to the small
// job's results (time for the watcher and the renames included): a busy machine slows both
// jobs alike, so the count holds where a time bound would not.
TEST_F(WatchTest, ASmallJobDroppedWhileALargeOneRunsGetsItsShareAtOnce) {
  auto sluice = start({"-c", "50"});
  drop("large.txt", server_.base_url() + "/todos/{1..100000}\n");
  ASSERT_TRUE(test::wait_until([&] { return server_.stats().requests >= 500; }));

  const auto dropped = Clock::now();
  const auto requests_before = server_.stats().requests;
  drop("small.txt", urls("/todos/", 1, 10));
  ASSERT_TRUE(finished("small.txt"));
  const auto large_meanwhile = server_.stats().requests - requests_before - 10;
  const auto took = Clock::now() - dropped;
  // Measured about 100 (two rounds and the watcher's notice) on an idle machine.
  EXPECT_LT(large_meanwhile, 600u)
      << std::chrono::duration<double, std::milli>(took).count() << " ms";
  RecordProperty("large_requests_meanwhile", std::to_string(large_meanwhile));
  const auto small = results("small.txt");
  EXPECT_EQ(small.size(), 10u);
  EXPECT_EQ(test::count_by_kind(small)["ok"], 10u);
  // The jobs share the run's event loops (auto: one per core at -c 50), and say how many.
  const auto summary = nlohmann::json::parse(test::read_file(outbox_ / "small.txt.summary.json"));
  EXPECT_GE(summary["event_loops"].get<int>(), 1);
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "small.txt"));
  EXPECT_TRUE(fs::exists(inbox_ / ".active" / "large.txt"));  // still running, as it should be
  EXPECT_LE(server_.stats().peak_in_flight, 50u);             // one cap for both jobs

  sluice->signal(SIGTERM);
  const auto result = sluice->wait(30s);
  EXPECT_EQ(result.exit_code, 143) << result.err;
  EXPECT_TRUE(fs::exists(inbox_ / ".active" / "large.txt"));
  EXPECT_TRUE(fs::exists(outbox_ / ".large.txt.jsonl.part"));
  EXPECT_NE(result.err.find("unfinished jobs: 1 "), std::string::npos) << result.err;
}

TEST_F(WatchTest, FilesArePickedUpWhenCompleteWhetherRenamedInOrWrittenInPlace) {
  dir_.write("inbox/present.txt", urls("/todos/", 1, 2));  // there before the start
  auto sluice = start({"-c", "4"});
  ASSERT_TRUE(finished("present.txt"));

  {
    std::ofstream in_place(inbox_ / "in_place.txt");
    in_place << urls("/todos/", 1, 3) << std::flush;
    // Half written and flushed: a watcher that took files on creation would read 3 URLs.
    std::this_thread::sleep_for(300ms);
    in_place << urls("/todos/", 4, 6);
  }
  drop("renamed.txt", urls("/status/", 200, 201));
  dir_.write("inbox/.hidden", urls("/todos/", 1, 1));
  dir_.write("inbox/later.tmp", urls("/todos/", 1, 1));
  dir_.write("inbox/later.part", urls("/todos/", 1, 1));
  ASSERT_TRUE(finished("in_place.txt"));
  ASSERT_TRUE(finished("renamed.txt"));
  EXPECT_EQ(results("in_place.txt").size(), 6u);
  EXPECT_EQ(results("renamed.txt").size(), 2u);
  EXPECT_EQ(results("present.txt").size(), 2u);

  // The hidden and temporary names are left alone until renamed.
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(fs::exists(inbox_ / ".hidden"));
  EXPECT_TRUE(fs::exists(inbox_ / "later.tmp"));
  EXPECT_TRUE(fs::exists(inbox_ / "later.part"));
  fs::rename(inbox_ / "later.tmp", inbox_ / "later.txt");
  ASSERT_TRUE(finished("later.txt"));
  EXPECT_EQ(results("later.txt").size(), 1u);

  sluice->signal(SIGINT);
  const auto result = sluice->wait(30s);
  EXPECT_EQ(result.exit_code, 130) << result.err;
  for (const auto* name : {"present.txt", "in_place.txt", "renamed.txt", "later.txt"}) {
    EXPECT_TRUE(fs::exists(inbox_ / ".done" / name)) << name;
  }
}

TEST_F(WatchTest, AFileThatIsNotAListFailsWithAReasonAndBadLinesAreRecords) {
  auto sluice = start({"-c", "4"});
  fs::create_directory(dir_.path() / "folder");
  fs::rename(dir_.path() / "folder", inbox_ / "folder");
  constexpr char kBinary[] =
      "\x7f"
      "ELF\x02\x01\x01\0\0\0 binary\n";
  drop("junk.bin", std::string(kBinary, sizeof kBinary - 1) + "no url here\n" + server_.base_url() +
                       "/todos/1\n");

  ASSERT_TRUE(finished("junk.bin"));
  const auto junk = results("junk.bin");
  ASSERT_EQ(junk.size(), 3u);
  auto kinds = test::count_by_kind(junk);
  EXPECT_EQ(kinds["invalid_url"], 2u);
  EXPECT_EQ(kinds["ok"], 1u);
  for (const auto& record : junk) {
    if (record.contains("source")) {
      EXPECT_EQ(record["source"].get<std::string>().rfind("junk.bin:", 0), 0u);
    }
  }
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "junk.bin"));

  ASSERT_TRUE(test::wait_until([&] { return fs::exists(inbox_ / ".failed" / "folder.reason"); }));
  EXPECT_TRUE(fs::exists(inbox_ / ".failed" / "folder"));
  EXPECT_NE(test::read_file(inbox_ / ".failed" / "folder.reason").find("not a regular file"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(outbox_ / "folder.jsonl"));

  sluice->signal(SIGTERM);
  const auto result = sluice->wait(30s);
  EXPECT_EQ(result.exit_code, 143) << result.err;
  EXPECT_NE(result.err.find("folder failed: "), std::string::npos) << result.err;
}

TEST_F(WatchTest, TwoFilesWithTheSameNameOneAfterTheOtherKeepBothResults) {
  auto sluice = start({"-c", "4"});
  drop("same.txt", urls("/todos/", 1, 3));
  ASSERT_TRUE(finished("same.txt"));
  drop("same.txt", urls("/todos/", 4, 5));
  ASSERT_TRUE(finished("same.txt.2"));

  EXPECT_EQ(results("same.txt").size(), 3u);
  const auto second = results("same.txt.2");
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(test::count_by_url(second).count(server_.base_url() + "/todos/5"), 1u);
  EXPECT_EQ(test::read_file(inbox_ / ".done" / "same.txt.2"), urls("/todos/", 4, 5));
  EXPECT_EQ(test::read_file(inbox_ / ".done" / "same.txt"), urls("/todos/", 1, 3));
  sluice->signal(SIGTERM);
  EXPECT_EQ(sluice->wait(30s).exit_code, 143);
}

// A list's name is the producer's choice: a newline or an escape in it must not break the
// job's line on standard error, or redraw the terminal.
TEST_F(WatchTest, AJobLineEscapesControlCharactersInTheListsName) {
  auto sluice = start({"-c", "4"});
  const std::string name = "two\nlines\x1b[2J.txt";
  drop(name, urls("/todos/", 1, 2));
  ASSERT_TRUE(finished(name));
  EXPECT_EQ(results(name).size(), 2u);
  sluice->signal(SIGTERM);
  const auto result = sluice->wait(30s);
  EXPECT_EQ(result.exit_code, 143) << result.err;
  EXPECT_NE(result.err.find("sluice: two\\nlines\\x1b[2J.txt done\n"), std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
}

TEST_F(WatchTest, RemovingInboxEndsTheRunWithAClearErrorAndEveryRecordWritten) {
  auto sluice = start({"-c", "2"});
  drop("slow.txt", server_.base_url() + "/todos/{1..20}?delay=300ms\n");
  ASSERT_TRUE(test::wait_until([&] { return server_.stats().in_flight == 2; }));
  fs::remove_all(inbox_);

  const auto result = sluice->wait(30s);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("was removed"), std::string::npos) << result.err;
  // The two in flight finished within the grace; the URLs queued behind them were cancelled.
  const auto records = test::read_records(outbox_ / ".slow.txt.jsonl.part");
  auto kinds = test::count_by_kind(records);
  EXPECT_EQ(kinds["ok"], server_.stats().requests);
  EXPECT_GE(kinds["ok"], 2u);
  EXPECT_EQ(test::count_by_url(records).size(), records.size());
}

// The run is killed with records written and transfers in flight; the restart resumes the
// job from its partial results. The server's count proves that exactly the URLs without a
// final record were fetched again.
TEST_F(WatchTest, AJobKilledMidwayResumesWithoutFetchingAFinishedUrlTwice) {
  constexpr int kUrls = 200;
  {
    auto sluice = start({"-c", "5"});
    drop("list.txt", server_.base_url() + "/todos/{1..200}?delay=20ms\n");
    ASSERT_TRUE(test::wait_until([&] { return server_.stats().requests >= 80; }));
    sluice->signal(SIGKILL);
    sluice->wait(10s);
  }
  // Transfers the kill cut off are still answered (and counted) by the server.
  ASSERT_TRUE(test::wait_until([&] { return server_.stats().in_flight == 0; }));
  const auto requests_before = server_.stats().requests;
  std::size_t final_before = 0;
  // The kill may have torn the last line (docs/reliability.md, "Crashes"); the resume repairs it.
  for (const auto& record : test::read_records_after_kill(outbox_ / ".list.txt.jsonl.part")) {
    if (record["ok"].get<bool>()) ++final_before;
  }
  ASSERT_GT(final_before, 0u);
  ASSERT_LT(final_before, static_cast<std::size_t>(kUrls));
  ASSERT_TRUE(fs::exists(inbox_ / ".active" / "list.txt"));

  auto sluice = start({"-c", "5"});
  ASSERT_TRUE(finished("list.txt"));
  const auto records = results("list.txt");
  EXPECT_EQ(records.size(), static_cast<std::size_t>(kUrls));
  const auto counts = test::count_by_url(records);
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(kUrls));
  for (const auto& [url, count] : counts) EXPECT_EQ(count, 1u) << url;
  EXPECT_EQ(server_.stats().requests - requests_before, kUrls - final_before);
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "list.txt"));
  sluice->signal(SIGTERM);
  EXPECT_EQ(sluice->wait(30s).exit_code, 143);
}

// OUTBOX's names add up to 19 bytes to a list's name (".NAME.summary.json.part") and a
// second list of the same name adds ".2": a name that leaves no room for them is shortened,
// on a UTF-8 boundary, and the job line names both.
TEST_F(WatchTest, AListWhoseNameLeavesNoRoomForItsDerivedNamesIsFetchedUnderAShorterKey) {
  auto sluice = start({"-c", "4"});
  const std::string near_limit = std::string(236, 'a') + ".txt";  // 240 bytes
  std::string at_limit;                                           // 254 bytes, 2 per "é"
  while (at_limit.size() < 250) at_limit += "\xc3\xa9";
  at_limit += ".txt";
  drop(near_limit, urls("/todos/", 1, 2));
  drop(at_limit, urls("/todos/", 3, 5));

  std::string near_key;
  std::string at_key;
  ASSERT_TRUE(test::wait_until(
      [&] {
        near_key = finished_key(near_limit.substr(0, 100));
        at_key = finished_key(at_limit.substr(0, 100));
        return !near_key.empty() && !at_key.empty();
      },
      20s));
  EXPECT_EQ(results(near_key).size(), 2u);
  EXPECT_EQ(results(at_key).size(), 3u);
  for (const auto& key : {near_key, at_key}) {
    EXPECT_LE(key.size() + std::strlen(".summary.json.part") + 1 + std::strlen(".1000"), 255u);
    EXPECT_TRUE(key.ends_with(".txt")) << key;
    EXPECT_TRUE(fs::exists(inbox_ / ".done" / key)) << key;
  }
  // Cut between the two bytes of an "é", the key would not be UTF-8.
  EXPECT_EQ(at_key.find("\xc3-"), std::string::npos) << at_key;
  EXPECT_TRUE(fs::is_empty(inbox_ / ".failed"));

  sluice->signal(SIGTERM);
  const auto result = sluice->wait(30s);
  EXPECT_EQ(result.exit_code, 143) << result.err;
  EXPECT_NE(result.err.find("sluice: " + near_limit + " -> " + near_key), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("sluice: " + at_limit + " -> " + at_key), std::string::npos)
      << result.err;
}

// A tmpfs of a given size mounted on a folder for one test, unmounted at scope end. Tests
// run as root (CI does), so a failed mount fails the test rather than skipping it.
class SmallDisk {
 public:
  SmallDisk(fs::path folder, const std::string& size) : folder_(std::move(folder)) {
    fs::create_directories(folder_);
    if (::mount("tmpfs", folder_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  ~SmallDisk() {
    if (mounted_) ::umount2(folder_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  // A tmpfs keeps its files when it is resized.
  bool resize(const std::string& size) const {
    return ::mount("tmpfs", folder_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }
  std::uint64_t free_bytes() const {
    struct statvfs status {};
    if (::statvfs(folder_.c_str(), &status) != 0) return 0;
    return std::uint64_t{status.f_bavail} * status.f_frsize;
  }

 private:
  fs::path folder_;
  bool mounted_ = false;
  std::string error_;
};

std::size_t count_ok(const std::vector<nlohmann::json>& records) {
  return static_cast<std::size_t>(
      std::count_if(records.begin(), records.end(),
                    [](const nlohmann::json& record) { return record["ok"].get<bool>(); }));
}

// 3,000 records do not fit in 256 KiB (about 1,700 do). The job stops being fed when a write
// fails: the transfers in flight end and no more start; its records so far stay, in whole
// lines, with the list in .active. The next start, with room, fetches exactly the URLs
// without a record: each URL is fetched at most twice (once more for those whose records
// could not be written).
TEST_F(WatchTest, AFullOutboxPausesTheJobAndTheNextStartResumesIt) {
  constexpr std::size_t kUrls = kFullOutboxUrls;
  const SmallDisk disk(outbox_, "256k");
  ASSERT_TRUE(disk.mounted()) << "cannot mount a tmpfs on OUTBOX: " << disk.error();
  {
    const auto sluice = start_until_full_outbox_pauses();
    ASSERT_TRUE(sluice);
    EXPECT_TRUE(fs::exists(inbox_ / ".active" / "list.txt"));
    EXPECT_TRUE(fs::is_empty(inbox_ / ".failed"));
    sluice->signal(SIGTERM);
    const auto result = sluice->wait(30s);
    EXPECT_EQ(result.exit_code, 143) << result.err;
    EXPECT_NE(result.err.find("sluice: list.txt paused: "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("unfinished jobs: 1 "), std::string::npos) << result.err;
  }
  EXPECT_TRUE(fs::exists(inbox_ / ".active" / "list.txt"));
  // Every line a whole record (read_records fails the test on one that is not JSON).
  const auto kept = test::read_records(outbox_ / ".list.txt.jsonl.part");
  const std::size_t kept_ok = count_ok(kept);
  EXPECT_EQ(kept_ok, kept.size());
  ASSERT_GT(kept_ok, 0u);
  const auto requests_before = server_.stats().requests;

  ASSERT_TRUE(disk.resize("16m"));
  auto sluice = start({"-c", "50"});
  ASSERT_TRUE(finished("list.txt"));
  const auto records = results("list.txt");
  EXPECT_EQ(records.size(), kUrls);
  EXPECT_EQ(count_ok(records), kUrls);
  EXPECT_EQ(test::count_by_url(records).size(), kUrls);
  EXPECT_EQ(server_.stats().requests - requests_before, kUrls - kept_ok);
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "list.txt"));
  sluice->signal(SIGTERM);
  EXPECT_EQ(sluice->wait(30s).exit_code, 143);
}

// The same, without a restart: a paused job is tried again once OUTBOX has room (looked at
// every 10 s), and resumes from its records so far.
TEST_F(WatchTest, APausedJobResumesOnceOutboxHasRoomAgain) {
  constexpr std::size_t kUrls = kFullOutboxUrls;
  const SmallDisk disk(outbox_, "256k");
  ASSERT_TRUE(disk.mounted()) << "cannot mount a tmpfs on OUTBOX: " << disk.error();
  const auto sluice = start_until_full_outbox_pauses();
  ASSERT_TRUE(sluice);

  ASSERT_TRUE(disk.resize("16m"));
  ASSERT_TRUE(finished("list.txt", 40s));
  const auto records = results("list.txt");
  EXPECT_EQ(records.size(), kUrls);
  EXPECT_EQ(count_ok(records), kUrls);
  EXPECT_EQ(test::count_by_url(records).size(), kUrls);
  // The URLs whose records were lost at the pause are fetched again, no others.
  EXPECT_LT(server_.stats().requests, 2 * kUrls);
  sluice->signal(SIGTERM);
  const auto result = sluice->wait(30s);
  EXPECT_EQ(result.exit_code, 143) << result.err;
  EXPECT_NE(result.err.find("sluice: list.txt paused: "), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("sluice: list.txt done"), std::string::npos) << result.err;
}

TEST_F(WatchTest, UsageErrorsAreOneLineAndExitCode2) {
  const auto inbox = inbox_.string();
  const auto outbox = outbox_.string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"watch", inbox}, "--out is required"},
      {{"watch", inbox, "--out", outbox, "urls.txt"}, "watch takes its URLs from the lists"},
      {{"watch", inbox, "--out", outbox, "--results", "r.jsonl"}, "do not apply"},
      {{"watch", inbox, "--out", outbox, "--engine", "textbook-slices"}, "loop or threads only"},
      {{"watch", (dir_.path() / "missing").string(), "--out", outbox}, "is not a directory"},
  };
  for (const auto& [args, message] : cases) {
    const auto result = test::run_child(SLUICE_BINARY, args, {}, 30s);
    EXPECT_EQ(result.exit_code, 2) << message;
    EXPECT_NE(result.err.find(message), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  // Options of the main command go before "watch" too.
  auto sluice = std::make_unique<test::ChildProcess>(
      SLUICE_BINARY, std::vector<std::string>{"-c", "3", "watch", inbox, "--out", outbox});
  drop("a.txt", urls("/todos/", 1, 2));
  ASSERT_TRUE(finished("a.txt"));
  sluice->signal(SIGTERM);
  EXPECT_EQ(sluice->wait(30s).exit_code, 143);
}

}  // namespace
}  // namespace sluice
