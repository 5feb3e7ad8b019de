// The soak test, on both engines: a long list at -c 500 with a share of hostile answers ends
// with exactly one record per URL, the right error kind for each fault, and flat memory; and a
// run killed with SIGKILL part-way and resumed ends every URL as one uninterrupted run would.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kConcurrency = 500;
// Sanitized builds run several times slower and measure their own memory, not sluice's:
// they soak a tenth of the list, and skip the memory bound. The thread engine's 500 threads
// each carry the sanitizer's own state, so there it soaks half of that again. They also
// start transfers so slowly that the first ones may end before the last ones start: half
// of the slots on the server at once still shows a run that went far past a small cap.
#ifdef SLUICE_SANITIZED
constexpr std::size_t kLoopUrls = 20'000;
constexpr std::size_t kThreadUrls = 10'000;
constexpr bool kCheckMemory = false;
constexpr std::uint64_t kMinPeakInFlight = kConcurrency / 2;
#else
constexpr std::size_t kLoopUrls = 200'000;
constexpr std::size_t kThreadUrls = 200'000;
constexpr bool kCheckMemory = true;
constexpr std::uint64_t kMinPeakInFlight = kConcurrency * 4 / 5;
#endif
constexpr long kMaxRssKib = 150 * 1024;
// A server on one thread answers faster than 500 requests pile up on it, and its peak in
// flight would say nothing about the client's. With each answer held this long, the client's
// first 500 transfers are all on the server at once, if it really starts them all.
constexpr auto kServerLatency = 50ms;
// One URL in 50 (2 %) asks for a fault.
constexpr std::size_t kFaultEvery = 50;

struct Fault {
  std::string query;  // what the URL asks of the server
  std::string kind;   // the error kind its last record must have; "ok" for none
  bool final;         // whether --resume keeps that record (see is_final in resume_index.hpp)
};

// Every fault mode with the record it must end in. Transient ones are retried and fail each
// time, so their records are not final: a resumed run fetches them again. The last two fail
// once (huge headers are not a failure) and then succeed.
std::vector<Fault> all_faults() {
  return {{"fault=reset-before", "network", false},   {"fault=reset-mid", "network", false},
          {"fault=truncate", "network", false},       {"fault=stall", "timeout", false},
          {"fault=bad-status", "protocol", true},     {"fault=endless", "too_large", true},
          {"fault=503&retry_after=1", "http", false}, {"fault=429", "http", false},
          {"fault=huge-headers", "ok", true},         {"fault=503&fault_times=1", "ok", true}};
}

struct Expected {
  std::string kind;
  bool final;
};

// Writes the list and returns, for each URL, the record it must end with.
std::map<std::string, Expected> write_list(const std::filesystem::path& path,
                                           const std::string& base, std::size_t urls) {
  const auto faults = all_faults();
  std::map<std::string, Expected> expected;
  std::ofstream list(path);
  for (std::size_t i = 0; i < urls; ++i) {
    std::string url = base + "/bytes/" + std::to_string(100 + i % 900) + "?n=" + std::to_string(i);
    Expected want{"ok", true};
    if (i % kFaultEvery == kFaultEvery - 1) {
      const Fault& fault = faults[(i / kFaultEvery) % faults.size()];
      url += "&" + fault.query;
      want = {fault.kind, fault.final};
    }
    list << url << '\n';
    expected.emplace(std::move(url), std::move(want));
  }
  return expected;
}

std::string kind_of(const nlohmann::json& record) {
  return record["error"].is_null() ? std::string("ok") : record["error"]["kind"].get<std::string>();
}

// How many records each URL has, and the kind of its last one.
struct UrlRecords {
  std::size_t count = 0;
  std::string last_kind;
};

std::map<std::string, UrlRecords> by_url(const std::vector<nlohmann::json>& records) {
  std::map<std::string, UrlRecords> urls;
  for (const auto& record : records) {
    auto& url = urls[record["url"].get<std::string>()];
    ++url.count;
    url.last_kind = kind_of(record);
  }
  return urls;
}

// Counts the URLs whose last record has the wrong kind, or whose count `count_ok` rejects, and
// reports the first ten; URLs with no record at all count too.
std::size_t count_wrong(const std::map<std::string, Expected>& expected,
                        const std::map<std::string, UrlRecords>& seen,
                        const std::function<bool(const Expected&, std::size_t)>& count_ok) {
  std::size_t wrong = 0;
  for (const auto& [url, want] : expected) {
    const auto found = seen.find(url);
    const UrlRecords got = found == seen.end() ? UrlRecords{} : found->second;
    if ((got.last_kind != want.kind || !count_ok(want, got.count)) && ++wrong <= 10) {
      ADD_FAILURE() << url << ": " << got.count << " records, the last " << got.last_kind
                    << "; wanted the last " << want.kind << (want.final ? ", the only one" : "");
    }
  }
  return wrong;
}

class SoakTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::size_t urls() const { return GetParam() == "threads" ? kThreadUrls : kLoopUrls; }

  // The stall timeout is long enough that a loaded machine does not turn a slow answer into
  // a stall (a run at load average 40 saw resets end as timeouts at 1 s).
  std::vector<std::string> args(const std::filesystem::path& list) const {
    return {"-c",
            std::to_string(kConcurrency),
            "--engine",
            GetParam(),
            "@" + list.string(),
            "--stall-timeout",
            "2s",
            "--max-body",
            "64k",
            "--retry-backoff",
            "10ms",
            "--max-retry-wait",
            "50ms",
            "--quiet"};
  }

  Server server_{ServerConfig{.latency = kServerLatency}};
  test::TempDir dir_;
  std::filesystem::path list_ = dir_.path() / "urls.txt";
  std::filesystem::path results_ = dir_.path() / "results.jsonl";
};

INSTANTIATE_TEST_SUITE_P(Engines, SoakTest, ::testing::Values("loop", "threads"));

TEST_P(SoakTest, EveryUrlGetsOneRecordOfTheRightKindInFlatMemory) {
  const auto expected = write_list(list_, server_.base_url(), urls());

  auto run_args = args(list_);
  run_args.insert(run_args.end(), {"--results", results_.string()});
  const auto result = test::run_child(SLUICE_BINARY, run_args, {}, 600s);
  EXPECT_EQ(result.exit_code, 1) << result.err;  // the faulted URLs failed

  const auto records = test::read_records(results_);
  EXPECT_EQ(records.size(), urls());
  const auto seen = by_url(records);
  EXPECT_EQ(seen.size(), urls());  // no URL that was not listed
  EXPECT_EQ(
      count_wrong(expected, seen, [](const Expected&, std::size_t count) { return count == 1; }),
      0u);
  const auto stats = server_.stats();
  EXPECT_GE(stats.peak_in_flight, kMinPeakInFlight);  // the run really held -c 500
  if (kCheckMemory) {
    EXPECT_LT(result.peak_rss_kib, kMaxRssKib);
  }
  RecordProperty("peak_rss_kib", std::to_string(result.peak_rss_kib));
  RecordProperty("peak_in_flight", std::to_string(stats.peak_in_flight));
}

TEST_P(SoakTest, ARunKilledPartWayAndResumedEndsEveryUrlWithItsOwnKind) {
  const std::size_t listed = urls() / 4;
  const auto expected = write_list(list_, server_.base_url(), listed);

  auto run_args = args(list_);
  run_args.insert(run_args.end(), {"--results", results_.string()});
  {
    test::ChildProcess first(SLUICE_BINARY, run_args);
    ASSERT_TRUE(test::wait_until([&] { return server_.stats().requests >= listed / 3; }, 300s));
    first.signal(SIGKILL);
    ASSERT_EQ(first.wait(30s).signal, SIGKILL);
  }
  // Every line the killed run left is a whole record (read_records fails on any other).
  const auto partial = by_url(test::read_records(results_));
  EXPECT_GT(partial.size(), 0u);
  EXPECT_LT(partial.size(), listed);

  run_args = args(list_);
  run_args.insert(run_args.end(), {"--resume", results_.string()});
  const auto resumed = test::run_child(SLUICE_BINARY, run_args, {}, 600s);
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;

  // Each URL ends as one uninterrupted run would end it. A URL with a final record has only
  // that one; a transient failure that the killed run recorded was fetched again, so the
  // file may hold the old record too. Exactly one record for every URL, transient failures
  // included, needs --resume to drop the non-final records from FILE before it appends.
  const auto seen = by_url(test::read_records(results_));
  EXPECT_EQ(seen.size(), listed);
  EXPECT_EQ(count_wrong(expected, seen,
                        [](const Expected& want, std::size_t count) {
                          return want.final ? count == 1 : count == 1 || count == 2;
                        }),
            0u);
}

}  // namespace
}  // namespace sluice
