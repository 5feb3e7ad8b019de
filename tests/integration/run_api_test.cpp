// The embeddable API (sluice/run.hpp) against the embedded server: pushed URLs and Requests
// taken as given, callbacks and sinks, bodies in memory up to a cap, close, stop and abort.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "server/body_pattern.hpp"
#include "server/server.hpp"
#include "sluice/errors.hpp"
#include "sluice/run.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"

namespace sluice {
namespace {

using test::CollectingSink;

// Records a callback hears, kept under a lock: the threads engine calls it from many threads.
class CallbackRecords {
 public:
  RecordCallback callback() {
    return [this](Record&& record) {
      const std::lock_guard lock(mutex_);
      records_.push_back(std::move(record));
    };
  }
  std::vector<Record> records() const {
    const std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Record> records_;  // guarded by mutex_
};

class RunApiTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  static Options options(std::size_t concurrency = 4) {
    Options options;
    options.concurrency = concurrency;
    options.engine = GetParam();
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, RunApiTest, test::both_engines(), test::engine_test_name);

TEST_P(RunApiTest, EveryPushedUrlGetsOneRecordThroughTheCallback) {
  Server server(ServerConfig{});
  CallbackRecords heard;
  sluice::Run run(options(), heard.callback());
  for (int i = 1; i <= 30; ++i)
    EXPECT_TRUE(run.push(server.base_url() + "/todos/" + std::to_string(i)));
  run.close();
  const FetchReport report = run.wait();

  const auto records = heard.records();
  ASSERT_EQ(records.size(), 30u);
  EXPECT_EQ(report.urls, 30u);
  std::set<std::uint64_t> indexes;
  for (const Record& record : records) {
    EXPECT_TRUE(record.ok) << record.url;
    EXPECT_EQ(record.source, "arg:" + std::to_string(record.index + 1));
    EXPECT_EQ(record.url, server.base_url() + "/todos/" + std::to_string(record.index + 1));
    EXPECT_FALSE(record.body.has_value());  // not asked for
    indexes.insert(record.index);
  }
  EXPECT_EQ(indexes.size(), 30u);
  EXPECT_EQ(server.stats().requests, 30u);
}

TEST_P(RunApiTest, UrlsAreTakenAsGivenWithoutRangesOrLists) {
  Server server(ServerConfig{});
  CallbackRecords heard;
  // As sources, the first would be five URLs and the second an unreadable list (a UsageError).
  const std::vector<std::string> urls{server.base_url() + "/todos/{1..5}", "@/nonexistent/list"};
  const auto report = fetch_urls(options(), urls, heard.callback());
  EXPECT_EQ(report.urls, 2u);
  const auto records = heard.records();
  ASSERT_EQ(records.size(), 2u);
  std::set<std::string> seen;
  for (const Record& record : records) seen.insert(record.url);
  EXPECT_EQ(seen, std::set<std::string>(urls.begin(), urls.end()));
  EXPECT_LE(server.stats().requests, 1u);
}

TEST_P(RunApiTest, RequestsAreCarriedToTheirRecords) {
  Server server(ServerConfig{});
  CollectingSink sink;
  sluice::Run run(options(), sink);
  Request first;
  first.url = server.base_url() + "/todos/1";
  first.id = "first";
  first.headers = {"X-Test: 1"};
  EXPECT_TRUE(run.push(std::move(first)));
  Request bad;
  bad.url = "not a url";
  EXPECT_TRUE(run.push(std::move(bad)));
  run.close();
  run.wait();
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 2u);
  for (const Record& record : records) {
    if (record.index == 0) {
      EXPECT_TRUE(record.ok);
    } else {
      ASSERT_TRUE(record.error.has_value());
      EXPECT_EQ(record.error->kind, ErrorKind::InvalidUrl);
    }
  }
  EXPECT_EQ(server.stats().requests, 1u);
}

TEST_P(RunApiTest, BodiesComeInMemoryUpToTheCap) {
  Server server(ServerConfig{});
  Options capped = options();
  capped.body_in_memory = 4096;
  CallbackRecords heard;
  fetch_urls(capped, {server.base_url() + "/bytes/1000", server.base_url() + "/bytes/5000"},
             heard.callback());
  const auto records = heard.records();
  ASSERT_EQ(records.size(), 2u);
  for (const Record& record : records) {
    if (record.url.ends_with("/1000")) {
      EXPECT_TRUE(record.ok);
      ASSERT_TRUE(record.body.has_value());
      EXPECT_EQ(record.body->size(), 1000u);
      EXPECT_TRUE(is_body_prefix(*record.body));
    } else {
      EXPECT_FALSE(record.ok);
      ASSERT_TRUE(record.error.has_value());
      EXPECT_EQ(record.error->kind, ErrorKind::TooLarge);
      EXPECT_FALSE(record.body.has_value());
    }
  }
}

TEST_P(RunApiTest, PushesAfterCloseAreRefused) {
  Server server(ServerConfig{});
  CollectingSink sink;
  sluice::Run run(options(), sink);
  EXPECT_TRUE(run.push(server.base_url() + "/todos/1"));
  run.close();
  EXPECT_FALSE(run.push(server.base_url() + "/todos/2"));
  EXPECT_EQ(run.wait().urls, 1u);
  EXPECT_EQ(sink.size(), 1u);
}

TEST_P(RunApiTest, AbortGivesEveryPushedUrlARecord) {
  Server server(ServerConfig{});
  CollectingSink sink;
  sluice::Run run(options(1), sink);
  for (int i = 1; i <= 5; ++i) {
    EXPECT_TRUE(run.push(server.base_url() + "/todos/" + std::to_string(i) + "?delay=30s"));
  }
  run.abort();
  EXPECT_FALSE(run.push(server.base_url() + "/todos/6"));
  const FetchReport report = run.wait();
  EXPECT_TRUE(report.stopped);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 5u);
  for (const Record& record : records) {
    ASSERT_TRUE(record.error.has_value()) << record.url;
    EXPECT_EQ(record.error->kind, ErrorKind::Cancelled);
  }
  EXPECT_LE(server.stats().requests, 1u);
}

TEST_P(RunApiTest, ARunNotWaitedForIsAbortedByItsDestructor) {
  Server server(ServerConfig{});
  CollectingSink sink;
  {
    sluice::Run run(options(1), sink);
    EXPECT_TRUE(run.push(server.base_url() + "/todos/1?delay=30s"));
    EXPECT_TRUE(run.push(server.base_url() + "/todos/2?delay=30s"));
  }
  EXPECT_EQ(sink.size(), 2u);
}

TEST(RunApiOptionsTest, AResumeFileIsRefusedNamingTheOption) {
  Options options;
  options.resume_from = "results.jsonl";
  try {
    sluice::Run run(options, [](Record&&) {});
    FAIL() << "no UsageError";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.option(), "resume_from");
  }
}

TEST(RunApiOptionsTest, CallbackSinkHandsEachRecordOn) {
  int heard = 0;
  CallbackSink sink([&](Record&& record) { heard += static_cast<int>(record.index); });
  Record record;
  record.index = 7;
  sink.on_record(std::move(record));
  EXPECT_EQ(heard, 7);
}

}  // namespace
}  // namespace sluice
