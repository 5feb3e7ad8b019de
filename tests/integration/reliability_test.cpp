// Retries, timeouts and the body limit of the library, on both engines, against the
// embedded server.
#include <gtest/gtest.h>

#include <chrono>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/collecting_sink.hpp"
#include "support/ports.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class ReliabilityTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  Options options() const {
    Options result;
    result.concurrency = 4;
    result.engine = GetParam();
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

INSTANTIATE_TEST_SUITE_P(Engines, ReliabilityTest,
                         ::testing::Values(EngineKind::EventLoop, EngineKind::Threads),
                         [](const ::testing::TestParamInfo<EngineKind>& engine_info) {
                           return engine_info.param == EngineKind::Threads ? "Threads"
                                                                           : "EventLoop";
                         });

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

TEST_P(ReliabilityTest, ASilentServerHitsTheStallTimeout) {
  auto stalling = options();
  stalling.stall_timeout = 1s;
  stalling.retries = 0;
  const auto started = std::chrono::steady_clock::now();
  const auto records = fetch_all(stalling, {server_.base_url() + "/todos/1?delay=20s"});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Timeout);
  EXPECT_NE(records[0].error->message.find("--stall-timeout"), std::string::npos)
      << records[0].error->message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST_P(ReliabilityTest, TheTotalTimeoutIsATimeoutToo) {
  auto limited = options();
  limited.timeout = 300ms;
  limited.retries = 0;
  const auto records = fetch_all(limited, {server_.base_url() + "/todos/1?delay=20s"});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Timeout);
  EXPECT_EQ(records[0].error->message.find("--stall-timeout"), std::string::npos);
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

}  // namespace
}  // namespace sluice
