// The soak test: a long list with a share of hostile answers ends with exactly one record
// per URL, the right error kind for each fault, and flat memory; and a run killed with
// SIGKILL part-way and resumed covers the list exactly once.
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

// Sanitized builds run several times slower and measure their own memory, not sluice's:
// they soak a tenth of the list and skip the memory bound.
#ifdef SLUICE_SANITIZED
constexpr std::size_t kUrls = 20'000;
constexpr bool kCheckMemory = false;
#else
constexpr std::size_t kUrls = 200'000;
constexpr bool kCheckMemory = true;
#endif
constexpr long kMaxRssKib = 150 * 1024;
// One URL in 50 (2 %) asks for a fault.
constexpr std::size_t kFaultEvery = 50;

struct Fault {
  std::string query;  // what the URL asks of the server
  std::string kind;   // the error kind its final record must have; "ok" for none
};

// Every fault mode with the record it must end in. Transient ones are retried and fail
// each time; the last two fail once and then succeed on the retry.
std::vector<Fault> all_faults() {
  return {{"fault=reset-before", "network"},   {"fault=reset-mid", "network"},
          {"fault=truncate", "network"},       {"fault=stall", "timeout"},
          {"fault=bad-status", "protocol"},    {"fault=endless", "too_large"},
          {"fault=503&retry_after=1", "http"}, {"fault=429", "http"},
          {"fault=huge-headers", "ok"},        {"fault=503&fault_times=1", "ok"}};
}

// Faults whose records are all final, so that a resumed run fetches none of them again.
std::vector<Fault> final_faults() {
  return {{"fault=bad-status", "protocol"},
          {"fault=endless", "too_large"},
          {"fault=huge-headers", "ok"},
          {"fault=503&fault_times=1", "ok"}};
}

// Writes the list and returns, for each URL, the kind its record must have.
std::map<std::string, std::string> write_list(const std::filesystem::path& path,
                                              const std::string& base, std::size_t urls,
                                              const std::vector<Fault>& faults) {
  std::map<std::string, std::string> expected;
  std::ofstream list(path);
  for (std::size_t i = 0; i < urls; ++i) {
    std::string url = base + "/bytes/" + std::to_string(100 + i % 900) + "?n=" + std::to_string(i);
    std::string kind = "ok";
    if (i % kFaultEvery == kFaultEvery - 1) {
      const Fault& fault = faults[(i / kFaultEvery) % faults.size()];
      url += "&" + fault.query;
      kind = fault.kind;
    }
    list << url << '\n';
    expected.emplace(std::move(url), std::move(kind));
  }
  return expected;
}

std::vector<std::string> soak_args(const std::filesystem::path& list) {
  return {"-c",
          "500",
          "@" + list.string(),
          // Long enough that a loaded machine does not turn a slow answer into a stall
          // (a run at load average 40 saw resets end as timeouts at 1 s).
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

TEST(SoakTest, EveryUrlGetsOneRecordOfTheRightKindInFlatMemory) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto list = dir.path() / "urls.txt";
  const auto results = dir.path() / "results.jsonl";
  const auto expected = write_list(list, server.base_url(), kUrls, all_faults());

  auto args = soak_args(list);
  args.insert(args.end(), {"--results", results.string()});
  const auto result = test::run_child(SLUICE_BINARY, args, {}, 600s);
  EXPECT_EQ(result.exit_code, 1) << result.err;  // the faulted URLs failed

  const auto records = test::read_records(results);
  ASSERT_EQ(records.size(), kUrls);
  std::map<std::string, std::size_t> seen;
  std::size_t wrong_kind = 0;
  for (const auto& record : records) {
    const auto url = record["url"].get<std::string>();
    ++seen[url];
    const auto kind =
        record["error"].is_null() ? std::string("ok") : record["error"]["kind"].get<std::string>();
    const auto want = expected.find(url);
    ASSERT_NE(want, expected.end()) << url;
    if (kind != want->second && ++wrong_kind <= 10) {
      ADD_FAILURE() << url << ": " << kind << " instead of " << want->second << ": " << record;
    }
  }
  EXPECT_EQ(wrong_kind, 0u);
  EXPECT_EQ(seen.size(), kUrls);  // with the size check above: each URL exactly once
  if (kCheckMemory) {
    EXPECT_LT(result.peak_rss_kib, kMaxRssKib);
  }
  RecordProperty("peak_rss_kib", std::to_string(result.peak_rss_kib));
}

TEST(SoakTest, ARunKilledPartWayAndResumedCoversTheListExactlyOnce) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto list = dir.path() / "urls.txt";
  const auto results = dir.path() / "results.jsonl";
  const std::size_t urls = kUrls / 4;
  const auto expected = write_list(list, server.base_url(), urls, final_faults());

  auto args = soak_args(list);
  args.insert(args.end(), {"--results", results.string()});
  {
    test::ChildProcess first(SLUICE_BINARY, args);
    ASSERT_TRUE(test::wait_until([&] { return server.stats().requests >= urls / 3; }, 300s));
    first.signal(SIGKILL);
    ASSERT_EQ(first.wait(30s).signal, SIGKILL);
  }
  const auto partial = test::read_records(results).size();
  EXPECT_GT(partial, 0u);
  EXPECT_LT(partial, urls);

  args = soak_args(list);
  args.insert(args.end(), {"--resume", results.string()});
  const auto resumed = test::run_child(SLUICE_BINARY, args, {}, 600s);
  EXPECT_EQ(resumed.exit_code, 1) << resumed.err;

  const auto records = test::read_records(results);
  std::map<std::string, std::size_t> seen;
  for (const auto& record : records) ++seen[record["url"].get<std::string>()];
  EXPECT_EQ(records.size(), urls);
  EXPECT_EQ(seen.size(), urls);
  for (const auto& [url, kind] : expected) EXPECT_EQ(seen[url], 1u) << url;
}

}  // namespace
}  // namespace sluice
