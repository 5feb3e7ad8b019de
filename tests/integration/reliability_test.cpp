// Retries, timeouts and the body limit of the library, on both engines, against the
// embedded server.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"
#include "support/ports.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class ReliabilityTest : public test::EngineTest {
 protected:
  Options options() const {
    Options result = EngineTest::options(4);
    result.retry_backoff = 10ms;  // keeps the retry tests quick
    return result;
  }
  // Fetches `sources` and returns the records, in completion order.
  static std::vector<Record> fetch_all(const Options& options, std::vector<std::string> sources) {
    test::CollectingSink sink;
    fetch(options, std::move(sources), sink);
    return sink.records();
  }

  Server server_{ServerConfig{}};
};

INSTANTIATE_TEST_SUITE_P(Engines, ReliabilityTest, test::both_engines(), test::engine_test_name);

TEST_P(ReliabilityTest, TransientStatusesAreRetriedUpToTheLimitAndKeepTheLastError) {
  const auto records = fetch_all(options(), {server_.base_url() + "/status/{502,503,504,429}"});
  ASSERT_EQ(records.size(), 4u);
  for (const auto& record : records) {
    EXPECT_EQ(record.attempts, 3) << record.url;
    ASSERT_TRUE(record.error) << record.url;
    EXPECT_EQ(record.error->kind, ErrorKind::Http);
  }
  EXPECT_EQ(server_.stats().requests, 12u);
}

TEST_P(ReliabilityTest, PermanentFailuresAreNotRetried) {
  const auto records = fetch_all(options(), {server_.base_url() + "/status/{400,404,500,501}"});
  ASSERT_EQ(records.size(), 4u);
  for (const auto& record : records) EXPECT_EQ(record.attempts, 1) << record.url;
  EXPECT_EQ(server_.stats().requests, 4u);
}

TEST_P(ReliabilityTest, RetriesZeroMeansOneAttempt) {
  auto no_retries = options();
  no_retries.retries = 0;
  const auto records = fetch_all(no_retries, {server_.base_url() + "/status/503"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].attempts, 1);
  EXPECT_EQ(server_.stats().requests, 1u);
}

TEST_P(ReliabilityTest, ARefusedConnectionIsRetried) {
  const auto url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/";
  const auto records = fetch_all(options(), {url});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].attempts, 3);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Connect);
}

TEST_P(ReliabilityTest, AConnectionThatIsNeverAcceptedHitsTheConnectTimeout) {
  const test::FullListener full;
  auto impatient = options();
  impatient.connect_timeout = 300ms;
  impatient.retries = 1;
  const auto started = std::chrono::steady_clock::now();
  const auto records =
      fetch_all(impatient, {"http://127.0.0.1:" + std::to_string(full.port()) + "/"});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Timeout) << records[0].error->message;
  EXPECT_EQ(records[0].attempts, 2);  // a connect timeout is retried
  // libcurl says "Connection timed out after N milliseconds" when its timer ends the attempt
  // and "Connection timeout after N ms" when its connect filter sees it first; which one wins
  // is the scheduler's choice. Both name the connect phase, not the transfer.
  std::string message = records[0].error->message;
  std::ranges::transform(message, message.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  EXPECT_NE(message.find("connect"), std::string::npos) << records[0].error->message;
  // Two attempts of the full 300 ms each. Without the connect timeout, the kernel's SYN
  // retries would end the first attempt only after about two minutes.
  EXPECT_GE(took, 600ms);
}

TEST_P(ReliabilityTest, ASilentServerHitsTheStallTimeout) {
  auto stalling = options();
  stalling.stall_timeout = 1s;
  stalling.retries = 0;
  // Without the stall timeout the answer would come after 20 s, as an ok record.
  const auto records = fetch_all(stalling, {server_.base_url() + "/todos/1?delay=20s"});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Timeout);
  EXPECT_NE(records[0].error->message.find("stall timeout"), std::string::npos)
      << records[0].error->message;
}

TEST_P(ReliabilityTest, TheTotalTimeoutIsATimeoutToo) {
  auto limited = options();
  limited.timeout = 300ms;
  limited.retries = 0;
  const auto records = fetch_all(limited, {server_.base_url() + "/todos/1?delay=20s"});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Timeout);
  EXPECT_EQ(records[0].error->message.find("stall timeout"), std::string::npos);
}

TEST_P(ReliabilityTest, BodiesOverTheLimitAreCutOffAsTooLarge) {
  auto limited = options();
  limited.max_body = 1000;
  const auto records = fetch_all(limited, {server_.base_url() + "/bytes/{1000,1001,500000}"});
  ASSERT_EQ(records.size(), 3u);
  for (const auto& record : records) {
    if (record.url.ends_with("/1000")) {
      EXPECT_TRUE(record.ok) << record.url;
      EXPECT_EQ(record.bytes, 1000u);
    } else {
      ASSERT_TRUE(record.error) << record.url;
      EXPECT_EQ(record.error->kind, ErrorKind::TooLarge) << record.error->message;
      EXPECT_LE(record.bytes, 1000u);
      EXPECT_EQ(record.attempts, 1);
    }
  }
}

// When a kept-alive connection is reset before the answer, libcurl quietly sends the request
// again on a new connection, but keeps the first error's message. The second request's
// failure must be named by its own result: a malformed status line is a protocol error,
// not a refused scheme (which would not be retried, and would count as final on --resume).
TEST_P(ReliabilityTest, AFailureAfterARequestSentAgainIsNamedByItsOwnResult) {
  Server faulty(ServerConfig{.faults = {{Fault::ResetBefore, 0.3}, {Fault::BadStatus, 0.3}}});
  auto one_by_one = options();
  one_by_one.concurrency = 1;  // one connection, kept alive: the draws fall the same each run
  one_by_one.retries = 0;
  const auto records = fetch_all(one_by_one, {faulty.base_url() + "/todos/[1-200]"});
  ASSERT_EQ(records.size(), 200u);
  int sent_again = 0;
  for (const auto& record : records) {
    if (!record.error) continue;
    EXPECT_TRUE(record.error->kind == ErrorKind::Network ||
                record.error->kind == ErrorKind::Protocol)
        << record.url << ": " << to_string(record.error->kind) << " " << record.error->message;
    if (record.error->message.find("after an earlier failure") != std::string::npos) {
      ++sent_again;
    }
  }
  EXPECT_GT(sent_again, 0) << "no request was sent again: the test did not test";
  EXPECT_GT(faulty.stats().requests, 200u);
}

// One server fault mode and the record it must end in.
struct FaultCase {
  std::string name;
  std::string query;
  ErrorKind kind;
  int attempts;
};

void PrintTo(const FaultCase& fault, std::ostream* out) { *out << fault.query; }

class FaultModeTest : public ::testing::TestWithParam<std::tuple<EngineKind, FaultCase>> {};

TEST_P(FaultModeTest, EachFaultEndsInOneRecordOfItsKind) {
  const auto& [engine, fault] = GetParam();
  Server server(ServerConfig{});
  Options options;
  options.engine = engine;
  options.retry_backoff = 10ms;
  options.max_retry_wait = 50ms;
  options.stall_timeout = 1s;
  options.max_body = 1'000'000;
  test::CollectingSink sink;
  fetch(options, {server.base_url() + "/bytes/10000?" + fault.query}, sink);

  const auto records = sink.records();
  ASSERT_EQ(records.size(), 1u);
  const Record& record = records[0];
  ASSERT_TRUE(record.error);
  EXPECT_EQ(record.error->kind, fault.kind) << record.error->message;
  EXPECT_EQ(record.attempts, fault.attempts);
  EXPECT_EQ(server.stats().requests, static_cast<std::uint64_t>(fault.attempts));
  EXPECT_EQ(server.stats().faults, static_cast<std::uint64_t>(fault.attempts));
  if (fault.kind == ErrorKind::Network) {
    EXPECT_LT(record.bytes, 10000u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Faults, FaultModeTest,
    ::testing::Combine(
        test::both_engines(),
        ::testing::Values(FaultCase{"ResetBefore", "fault=reset-before", ErrorKind::Network, 3},
                          FaultCase{"ResetMid", "fault=reset-mid", ErrorKind::Network, 3},
                          FaultCase{"Truncate", "fault=truncate", ErrorKind::Network, 3},
                          FaultCase{"Stall", "fault=stall", ErrorKind::Timeout, 3},
                          FaultCase{"BadStatus", "fault=bad-status", ErrorKind::Protocol, 1},
                          FaultCase{"Endless", "fault=endless", ErrorKind::TooLarge, 1},
                          FaultCase{"ServiceUnavailable", "fault=503", ErrorKind::Http, 3},
                          FaultCase{"TooManyRequests", "fault=429", ErrorKind::Http, 3})),
    [](const ::testing::TestParamInfo<std::tuple<EngineKind, FaultCase>>& fault_info) {
      return std::string(std::get<0>(fault_info.param) == EngineKind::Threads ? "Threads_"
                                                                              : "EventLoop_") +
             std::get<1>(fault_info.param).name;
    });

TEST_P(ReliabilityTest, HugeHeadersAreStillAnAnswer) {
  const auto records = fetch_all(options(), {server_.base_url() + "/todos/1?fault=huge-headers"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].ok);
  EXPECT_EQ(records[0].attempts, 1);
}

TEST_P(ReliabilityTest, AnEndlessBodyWithoutALimitEndsAtTheTimeout) {
  auto limited = options();
  limited.timeout = 500ms;
  limited.retries = 0;
  const auto records = fetch_all(limited, {server_.base_url() + "/todos/1?fault=endless"});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Timeout);
  EXPECT_GT(records[0].bytes, 0u);
}

TEST_P(ReliabilityTest, AFailureThatPassesSucceedsOnTheRetry) {
  const auto records =
      fetch_all(options(), {server_.base_url() + "/todos/1?fault=reset-before&fault_times=1",
                            server_.base_url() + "/todos/2?fault=503&retry_after=0&fault_times=2"});
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) {
    EXPECT_TRUE(record.ok) << record.url;
    EXPECT_FALSE(record.error) << record.error->message;
  }
  EXPECT_EQ(server_.stats().requests, 5u);
}

TEST_P(ReliabilityTest, RetryAfterInSecondsIsHonoured) {
  const auto started = std::chrono::steady_clock::now();
  const auto records =
      fetch_all(options(), {server_.base_url() + "/todos/1?fault=503&retry_after=1&fault_times=1"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].ok);
  EXPECT_EQ(records[0].attempts, 2);
  // The backoff alone would have waited at most 10 ms.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
}

TEST_P(ReliabilityTest, RetryAfterAsAnHttpDateIsHonoured) {
  const auto started = std::chrono::steady_clock::now();
  const auto records = fetch_all(
      options(), {server_.base_url() + "/todos/1?fault=429&retry_after_date=2&fault_times=1"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].ok);
  // An HTTP date has whole seconds, so "2 s from now" may be read as a little over 1 s.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
}

TEST_P(ReliabilityTest, RetryAfterIsCappedByTheMaximumWait) {
  auto capped = options();
  capped.max_retry_wait = 100ms;
  const auto started = std::chrono::steady_clock::now();
  const auto records =
      fetch_all(capped, {server_.base_url() + "/todos/1?fault=503&retry_after=3600&fault_times=1"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].ok);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_P(ReliabilityTest, AWaitingRetryHoldsNoSlot) {
  auto one_slot = options();
  one_slot.concurrency = 1;
  const std::string retried = server_.base_url() + "/todos/1?fault=503&retry_after=1&fault_times=1";
  // The others on another host: the Retry-After pauses its own host for the second too.
  const Server other({.address = "127.0.0.2"});
  const auto records =
      fetch_all(one_slot, {retried, other.base_url() + "/todos/{2..6}?delay=50ms"});
  ASSERT_EQ(records.size(), 6u);
  // With its slot free during the one-second wait, the other five (250 ms in all) finish
  // first; a retry that held the slot would have finished before any of them.
  EXPECT_EQ(records.back().url, retried);
  EXPECT_TRUE(records.back().ok);
  EXPECT_EQ(server_.stats().peak_in_flight, 1u);
  EXPECT_EQ(other.stats().peak_in_flight, 1u);
}

TEST_P(ReliabilityTest, RedirectsAreFollowedAndTheFinalUrlKept) {
  const auto records = fetch_all(options(), {server_.base_url() + "/redirect/3"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].ok);
  EXPECT_EQ(records[0].final_url, server_.base_url() + "/redirect/0");
}

TEST_P(ReliabilityTest, TooManyRedirectsAreAProtocolError) {
  auto few = options();
  few.max_redirects = 2;
  const auto records = fetch_all(few, {server_.base_url() + "/redirect/3"});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Protocol);
  EXPECT_EQ(server_.stats().requests, 3u);
}

TEST_P(ReliabilityTest, ARedirectToAnotherSchemeIsRefused) {
  const auto records =
      fetch_all(options(), {server_.base_url() + "/redirect-to?url=file:///etc/passwd",
                            server_.base_url() + "/redirect-to?url=ftp://127.0.0.1/x",
                            server_.base_url() + "/redirect-to?url=gopher://127.0.0.1/x"});
  ASSERT_EQ(records.size(), 3u);
  for (const auto& record : records) {
    ASSERT_TRUE(record.error) << record.url;
    EXPECT_EQ(record.error->kind, ErrorKind::UnsupportedScheme) << record.url;
  }
}

}  // namespace
}  // namespace sluice
