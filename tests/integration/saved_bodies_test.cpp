// Saved bodies (-o DIR) against the embedded server: a body that fails, is cut off, is
// cancelled, or whose process is killed never has its final name, and the next run removes
// the temporaries a killed run left while it keeps those of a run still going.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <map>
#include <set>
#include <stop_token>
#include <thread>

#include "output/body_file.hpp"
#include "server/body_pattern.hpp"
#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/child_process.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Above the largest pid_max Linux allows (2^22), so no process ever has it.
constexpr pid_t kDeadPid = std::numeric_limits<pid_t>::max();

// What a directory of saved bodies holds, by kind of name.
struct Listing {
  std::set<std::string> finals;              // every name that is not a temporary
  std::map<std::string, pid_t> temporaries;  // temporary name -> its writer's pid
  std::uintmax_t temporary_bytes = 0;        // in all the temporaries together
  std::vector<std::uintmax_t> sizes;         // of every file, whatever its name
  std::set<pid_t> owners() const {
    std::set<pid_t> pids;
    for (const auto& [name, pid] : temporaries) pids.insert(pid);
    return pids;
  }
};

// Files may come and go while the listing runs: those that vanish are left out.
Listing list(const fs::path& dir) {
  Listing listing;
  std::error_code error;
  for (fs::directory_iterator entry(dir, error), end; !error && entry != end;
       entry.increment(error)) {
    const std::string name = entry->path().filename();
    std::error_code size_error;
    const auto size = fs::file_size(entry->path(), size_error);
    if (!size_error) listing.sizes.push_back(size);
    if (const auto owner = body_temporary_owner(name)) {
      listing.temporaries[name] = *owner;
      if (!size_error) listing.temporary_bytes += size;
    } else {
      listing.finals.insert(name);
    }
  }
  return listing;
}

// Whether `file` holds exactly the `size` bytes a /bytes/{size} answer sends.
::testing::AssertionResult holds_whole_body(const fs::path& file, std::uint64_t size) {
  const std::string content = test::read_file(file);
  if (content.size() != size) {
    return ::testing::AssertionFailure()
           << file.filename() << " has " << content.size() << " of " << size << " bytes";
  }
  if (!is_body_prefix(content)) {
    return ::testing::AssertionFailure() << file.filename() << " is not the body's bytes";
  }
  return ::testing::AssertionSuccess();
}

class SavedBodiesTest : public test::EngineTest {
 protected:
  Options options() const {
    Options options = EngineTest::options(4);
    options.retries = 0;  // each failure stays a failure, its temporary gone at once
    options.output_dir = out_;
    return options;
  }
  std::map<std::string, Record> fetch_all(const Options& options,
                                          const std::vector<std::string>& paths,
                                          RunControl control = {}) const {
    std::vector<std::string> urls;
    for (const auto& path : paths) urls.push_back(server_.base_url() + path);
    test::CollectingSink sink;
    fetch(options, urls, sink, control);
    std::map<std::string, Record> by_path;
    for (auto& record : sink.records()) {
      by_path[record.url.substr(server_.base_url().size())] = std::move(record);
    }
    return by_path;
  }
  std::string final_name(const std::string& path) const {
    return body_file_name(server_.base_url() + path);
  }
  static std::string kind(const Record& record) {
    return record.error ? std::string(to_string(record.error->kind)) : "ok";
  }

  test::TempDir dir_;
  fs::path out_ = dir_.path() / "out";
  // Paced bodies arrive in pieces over a second or more; small ones are not paced.
  Server server_{ServerConfig{.bandwidth = 1024 * 1024}};
};

INSTANTIATE_TEST_SUITE_P(Engines, SavedBodiesTest, test::both_engines(), test::engine_test_name);

// The body that succeeds proves the bodies were being saved; the ones cut off must leave
// neither a final name nor a temporary. The server's fraction and the byte counts show that
// part of each body had reached its temporary.
TEST_P(SavedBodiesTest, ABodyCutOffMidWayLeavesNoFile) {
  const auto records = fetch_all(
      options(), {"/bytes/1000", "/bytes/300000?fault=truncate", "/bytes/300000?fault=reset-mid"});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records.at("/bytes/1000").ok);
  const auto& truncated = records.at("/bytes/300000?fault=truncate");
  EXPECT_EQ(kind(truncated), "network");
  EXPECT_EQ(truncated.bytes, 150000u);
  const auto& reset = records.at("/bytes/300000?fault=reset-mid");
  EXPECT_EQ(kind(reset), "network");
  EXPECT_FALSE(reset.saved_to);

  const auto listing = list(out_);
  EXPECT_EQ(listing.finals, std::set<std::string>{final_name("/bytes/1000")});
  EXPECT_TRUE(listing.temporaries.empty());
  EXPECT_TRUE(holds_whole_body(out_ / final_name("/bytes/1000"), 1000));
}

// A Content-Length above --max-body is refused before the body; a chunked body (the endless
// fault) is cut once it passes the limit, after its first bytes were written.
TEST_P(SavedBodiesTest, ATooLargeBodyLeavesNoFile) {
  Options limited = options();
  limited.max_body = 100000;
  const auto records =
      fetch_all(limited, {"/bytes/1000", "/bytes/300000", "/bytes/10?fault=endless"});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_TRUE(records.at("/bytes/1000").ok);
  EXPECT_EQ(kind(records.at("/bytes/300000")), "too_large");
  const auto& endless = records.at("/bytes/10?fault=endless");
  EXPECT_EQ(kind(endless), "too_large");
  EXPECT_GT(endless.bytes, 0u);

  const auto listing = list(out_);
  EXPECT_EQ(listing.finals, std::set<std::string>{final_name("/bytes/1000")});
  EXPECT_TRUE(listing.temporaries.empty());
}

// Aborted (the second Ctrl-C) while four paced bodies are part-way in their temporaries.
TEST_P(SavedBodiesTest, ACancelledBodyLeavesNoFile) {
  std::stop_source abort;
  std::vector<std::string> paths{"/bytes/1000"};
  for (int n = 0; n < 4; ++n) paths.push_back("/bytes/" + std::to_string(3'000'000 + n));
  std::map<std::string, Record> records;
  std::jthread run(
      [&] { records = fetch_all(options(), paths, {.stop = {}, .abort = abort.get_token()}); });
  // Each temporary has its first 16 KiB (one flush) within a few tens of ms at this pace.
  const bool part_way = test::wait_until([&] {
    const auto listing = list(out_);
    return listing.finals.size() == 1 && listing.temporaries.size() == 4 &&
           listing.temporary_bytes >= 4 * 16 * 1024;
  });
  abort.request_stop();
  run.join();
  ASSERT_TRUE(part_way) << "the bodies were never seen part-way";

  ASSERT_EQ(records.size(), 5u);
  EXPECT_TRUE(records.at("/bytes/1000").ok);
  for (int n = 0; n < 4; ++n) {
    EXPECT_EQ(kind(records.at("/bytes/" + std::to_string(3'000'000 + n))), "cancelled");
  }
  const auto listing = list(out_);
  EXPECT_EQ(listing.finals, std::set<std::string>{final_name("/bytes/1000")});
  EXPECT_TRUE(listing.temporaries.empty());
}

// -o DIR moved away mid-run and a symlink to another directory put at its path: the run
// keeps writing where it started, so every body is in the moved directory, none behind the
// symlink, and each record still names DIR as it was given.
TEST_P(SavedBodiesTest, BodiesStayInTheDirectoryTheRunStartedWithAfterItMoves) {
  constexpr int kBodies = 60;  // 15 rounds of -c 4 at 100 ms each
  const fs::path moved = dir_.path() / "moved";
  const fs::path elsewhere = dir_.path() / "elsewhere";
  fs::create_directory(elsewhere);
  std::vector<std::string> paths;
  for (int n = 0; n < kBodies; ++n) {
    paths.push_back("/bytes/" + std::to_string(1000 + n) + "?delay=100ms");
  }
  std::map<std::string, Record> records;
  std::jthread run([&] { records = fetch_all(options(), paths); });
  const bool some_saved = test::wait_until([&] { return list(out_).finals.size() >= 4; });
  fs::rename(out_, moved);
  fs::create_directory_symlink(elsewhere, out_);
  const std::size_t saved_before_the_move = list(moved).finals.size();
  run.join();
  ASSERT_TRUE(some_saved) << "no body was saved";
  ASSERT_LT(saved_before_the_move, static_cast<std::size_t>(kBodies))
      << "the run ended before DIR moved: the test proves nothing";

  ASSERT_EQ(records.size(), paths.size());
  std::set<std::string> finals;
  for (int n = 0; n < kBodies; ++n) {
    const auto& path = paths[static_cast<std::size_t>(n)];
    const auto& record = records.at(path);
    EXPECT_TRUE(record.ok) << path << ": " << (record.error ? record.error->message : "");
    EXPECT_EQ(record.saved_to, (out_ / final_name(path)).string());
    EXPECT_TRUE(holds_whole_body(moved / final_name(path), 1000 + static_cast<std::uint64_t>(n)));
    finals.insert(final_name(path));
  }
  const auto listing = list(moved);
  EXPECT_EQ(listing.finals, finals);
  EXPECT_TRUE(listing.temporaries.empty());
  EXPECT_TRUE(fs::is_empty(elsewhere)) << list(elsewhere).finals.size() << " bodies went elsewhere";
}

// The real binary, killed with SIGKILL while it writes paced bodies, some already complete.
class KilledRunTest : public SavedBodiesTest {
 protected:
  std::vector<std::string> args(const std::string& source) const {
    return {"-c",
            "4",
            "--engine",
            GetParam() == EngineKind::Threads ? "threads" : "loop",
            "-o",
            out_.string(),
            "--results",
            (dir_.path() / "results.jsonl").string(),
            server_.base_url() + source};
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, KilledRunTest, test::both_engines(), test::engine_test_name);

// Each body takes about 0.3 s at the server's pace; 40 of them at -c 4 take 3 s, so the kill
// lands with some bodies complete and others part-way. The wait looks at sizes, not names, so
// that a saver writing under the final name would be caught by the checks after the kill.
TEST_P(KilledRunTest, LeavesNoFinalNamedPartAndTheNextRunRemovesItsTemporaries) {
  constexpr std::uint64_t kFirstSize = 300'000;
  const std::string bodies = "/bytes/{300000..300039}";
  {
    test::ChildProcess killed(SLUICE_BINARY, args(bodies));
    const bool mid_run = test::wait_until([&] {
      const auto sizes = list(out_).sizes;
      const auto whole = std::count_if(sizes.begin(), sizes.end(),
                                       [&](std::uintmax_t size) { return size >= kFirstSize; });
      const auto part_way = std::count_if(sizes.begin(), sizes.end(), [&](std::uintmax_t size) {
        return size >= 16 * 1024 && size < kFirstSize;
      });
      return whole >= 2 && part_way >= 2;
    });
    killed.signal(SIGKILL);
    const auto ended = killed.wait(10s);
    ASSERT_EQ(ended.signal, SIGKILL) << "exit code " << ended.exit_code << ": " << ended.err;
    ASSERT_TRUE(mid_run) << "the run was never seen with bodies both complete and part-way";
  }

  const auto left = list(out_);
  std::map<std::string, std::uint64_t> size_of;
  for (std::uint64_t size = kFirstSize; size < kFirstSize + 40; ++size) {
    size_of[final_name("/bytes/" + std::to_string(size))] = size;
  }
  ASSERT_GE(left.finals.size(), 2u);
  for (const auto& name : left.finals) {
    ASSERT_TRUE(size_of.contains(name)) << name;
    EXPECT_TRUE(holds_whole_body(out_ / name, size_of[name]));
  }
  ASSERT_FALSE(left.temporaries.empty());
  ASSERT_EQ(left.owners().size(), 1u);
  const pid_t dead = *left.owners().begin();
  EXPECT_NE(dead, ::getpid());
  EXPECT_TRUE(::kill(dead, 0) != 0 && errno == ESRCH);  // reaped by wait()

  const auto next = test::run_child(SLUICE_BINARY, args("/bytes/10"), {}, 30s);
  EXPECT_EQ(next.exit_code, 0) << next.err;
  const auto after = list(out_);
  EXPECT_TRUE(after.temporaries.empty());
  auto expected = left.finals;
  expected.insert(final_name("/bytes/10"));
  EXPECT_EQ(after.finals, expected);
}

// A second run into the same DIR removes a dead process's temporary but keeps those of the
// run still writing: that run then completes every body. Had its temporaries gone, their
// renames would fail as io errors and it would exit 1.
TEST_P(KilledRunTest, ARunStartingBesideALiveOneKeepsItsTemporaries) {
  // 3 s each at the server's pace: the second run comes and goes meanwhile.
  const std::string slow = "/bytes/{3000000..3000001}";
  test::ChildProcess live(SLUICE_BINARY, args(slow));
  ASSERT_TRUE(test::wait_until([&] { return list(out_).temporaries.size() == 2; }));
  const std::string stale = body_temporary_name(server_.base_url() + "/bytes/5", kDeadPid, 0);
  dir_.write("out/" + stale, "left by a killed run");

  const auto beside = test::run_child(SLUICE_BINARY, args("/bytes/10"), {}, 30s);
  EXPECT_EQ(beside.exit_code, 0) << beside.err;
  const auto during = list(out_);
  EXPECT_FALSE(during.temporaries.contains(stale));
  EXPECT_EQ(during.temporaries.size(), 2u) << "the live run ended before the second one did";

  const auto done = live.wait(60s);
  EXPECT_EQ(done.exit_code, 0) << done.err;
  const auto after = list(out_);
  EXPECT_TRUE(after.temporaries.empty());
  for (const std::uint64_t size : {3'000'000u, 3'000'001u}) {
    EXPECT_TRUE(holds_whole_body(out_ / final_name("/bytes/" + std::to_string(size)), size));
  }
}

// Watch mode cleans -o DIR at its start too, and then saves its jobs' bodies there. The job
// shows that the run is up (its signal handlers too) before the SIGTERM.
TEST(SavedBodiesWatchTest, WatchModeRemovesADeadRunsTemporariesAtStart) {
  const Server server(ServerConfig{});
  test::TempDir dir;
  const fs::path out = dir.path() / "out";
  fs::create_directories(dir.path() / "inbox");
  fs::create_directories(out);
  const std::string stale = body_temporary_name("http://127.0.0.1/x", kDeadPid, 0);
  const std::string mine = body_temporary_name("http://127.0.0.1/x", ::getpid(), 0);
  dir.write("out/" + stale, "left by a killed run");
  dir.write("out/" + mine, "being written by a live process");
  test::ChildProcess watch(SLUICE_BINARY, {"watch", (dir.path() / "inbox").string(), "--out",
                                           (dir.path() / "outbox").string(), "-o", out.string()});
  dir.write(".list.txt", server.base_url() + "/bytes/1000\n");
  fs::rename(dir.path() / ".list.txt", dir.path() / "inbox" / "list.txt");
  const bool done =
      test::wait_until([&] { return fs::exists(dir.path() / "outbox" / "list.txt.summary.json"); });
  watch.signal(SIGTERM);
  const auto ended = watch.wait(30s);
  ASSERT_TRUE(done) << ended.err;
  EXPECT_EQ(ended.exit_code, 143) << ended.err;
  EXPECT_FALSE(fs::exists(out / stale));
  EXPECT_TRUE(fs::exists(out / mine));
  EXPECT_TRUE(holds_whole_body(out / body_file_name(server.base_url() + "/bytes/1000"), 1000));
}

}  // namespace
}  // namespace sluice
