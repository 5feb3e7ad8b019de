// The library's fetch() against the embedded server on a free loopback port.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "server/body_pattern.hpp"
#include "server/server.hpp"
#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"
#include "support/ports.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

using namespace std::chrono_literals;

using test::CollectingSink;

// Every behaviour is checked on both engines.
class FetchTest : public ::testing::TestWithParam<EngineKind> {
 protected:
  static Options with_concurrency(std::size_t concurrency) {
    Options options;
    options.concurrency = concurrency;
    options.engine = GetParam();
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, FetchTest, test::both_engines(), test::engine_test_name);

TEST_P(FetchTest, FetchesEveryTodoExactlyOnce) {
  Server server(ServerConfig{});
  CollectingSink sink;
  const auto report = fetch(with_concurrency(10), {server.base_url() + "/todos/{1..200}"}, sink);

  const auto records = sink.records();
  ASSERT_EQ(records.size(), 200u);
  EXPECT_EQ(report.urls, 200u);
  std::set<std::string> urls;
  std::set<std::uint64_t> indexes;
  for (const auto& record : records) {
    EXPECT_TRUE(record.ok) << record.url;
    EXPECT_EQ(record.status, 200);
    EXPECT_GT(record.bytes, 0u);
    EXPECT_EQ(record.attempts, 1);
    urls.insert(record.url);
    indexes.insert(record.index);
  }
  EXPECT_EQ(urls.size(), 200u);
  EXPECT_EQ(*indexes.rbegin(), 199u);
  EXPECT_EQ(server.stats().requests, 200u);
}

class ConcurrencyCapTest : public ::testing::TestWithParam<std::tuple<EngineKind, std::size_t>> {};

TEST_P(ConcurrencyCapTest, PeakInFlightReachesButNeverExceedsTheCap) {
  const auto [engine, concurrency] = GetParam();
  Server server(ServerConfig{});
  CollectingSink sink;
  // Answers held 300 ms, so that the cap's last transfer starts before its first ends: at
  // 100 ms, 100 worker threads under TSan on a loaded machine reached 99.
  const std::string url =
      server.base_url() + "/todos/{1.." + std::to_string(3 * concurrency) + "}?delay=300ms";
  Options options;
  options.concurrency = concurrency;
  options.engine = engine;
  fetch(options, {url}, sink);

  ASSERT_EQ(sink.size(), 3 * concurrency);
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 3 * concurrency);
  EXPECT_EQ(stats.peak_in_flight, concurrency);
}

INSTANTIATE_TEST_SUITE_P(
    Caps, ConcurrencyCapTest,
    ::testing::Combine(test::both_engines(), ::testing::Values(1, 10, 100)),
    [](const ::testing::TestParamInfo<std::tuple<EngineKind, std::size_t>>& cap_info) {
      return test::engine_name(std::get<0>(cap_info.param)) + "_" +
             std::to_string(std::get<1>(cap_info.param));
    });

TEST_P(FetchTest, MixedFailuresGiveOneRecordEachAndTheGoodOnesAreFetched) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const std::string base = server.base_url();
  const std::string refused_url = "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/x";
  const auto list = dir.write(
      "urls.txt", "# a comment\r\n" + base + "/todos/1\r\n" + "http://exa mple.com/\n" +
                      refused_url + "\n" + base + "/status/404\n" + base + "/status/500\n\n" +
                      base + "/todos/2\n" + "ftp://127.0.0.1/file\n" + base + "/todos/3\n");
  CollectingSink sink;
  fetch(with_concurrency(4), {"@" + list.string()}, sink);

  std::map<std::string, Record> by_url;
  for (auto& record : sink.records()) by_url[record.url] = record;
  ASSERT_EQ(by_url.size(), 8u);
  for (int id : {1, 2, 3}) EXPECT_TRUE(by_url[base + "/todos/" + std::to_string(id)].ok);

  const auto& invalid = by_url["http://exa mple.com/"];
  ASSERT_TRUE(invalid.error);
  EXPECT_EQ(invalid.error->kind, ErrorKind::InvalidUrl);
  EXPECT_EQ(invalid.source, list.string() + ":3");
  EXPECT_EQ(invalid.attempts, 0);

  const auto& refused = by_url[refused_url];
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->kind, ErrorKind::Connect);
  EXPECT_FALSE(refused.status);

  const auto& not_found = by_url[base + "/status/404"];
  ASSERT_TRUE(not_found.error);
  EXPECT_EQ(not_found.error->kind, ErrorKind::Http);
  EXPECT_EQ(not_found.status, 404);
  const auto& server_error = by_url[base + "/status/500"];
  ASSERT_TRUE(server_error.error);
  EXPECT_EQ(server_error.error->kind, ErrorKind::Http);
  EXPECT_EQ(server_error.status, 500);
  const auto& ftp = by_url["ftp://127.0.0.1/file"];
  ASSERT_TRUE(ftp.error);
  EXPECT_EQ(ftp.error->kind, ErrorKind::UnsupportedScheme);

  EXPECT_EQ(server.stats().requests, 5u);  // 3 todos, the 404 and the 500
}

TEST_P(FetchTest, SavedFilesHoldExactlyTheBytesServed) {
  Server server(ServerConfig{});
  test::TempDir dir;
  Options options = with_concurrency(3);
  options.output_dir = dir.path() / "out";
  CollectingSink sink;
  fetch(options, {server.base_url() + "/bytes/{0,1,1000,300000}"}, sink);

  const auto records = sink.records();
  ASSERT_EQ(records.size(), 4u);
  std::set<std::string> names;
  for (const auto& record : records) {
    ASSERT_TRUE(record.ok) << record.url;
    ASSERT_TRUE(record.saved_to);
    const std::filesystem::path saved(*record.saved_to);
    EXPECT_EQ(saved.parent_path(), *options.output_dir);
    names.insert(saved.filename().string());
    const std::string content = test::read_file(saved);
    ASSERT_EQ(content.size(), record.bytes);
    ASSERT_TRUE(is_body_prefix(content)) << record.url;
  }
  EXPECT_EQ(names.size(), 4u);
  // Only the four final files: no temporary left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(*options.output_dir),
                          std::filesystem::directory_iterator{}),
            4);
}

TEST_P(FetchTest, TenThousandUrlsAtConcurrencyThousandComplete) {
  Server server(ServerConfig{});
  CollectingSink sink;
  const auto report =
      fetch(with_concurrency(1000), {server.base_url() + "/todos/{1..10000}?delay=20ms"}, sink);

  EXPECT_EQ(report.urls, 10000u);
  const auto records = sink.records();
  EXPECT_EQ(std::count_if(records.begin(), records.end(), [](const Record& r) { return r.ok; }),
            10000);
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 10000u);
  EXPECT_LE(stats.peak_in_flight, 1000u);
  EXPECT_GE(stats.peak_in_flight, 200u);  // loose: sanitizer builds open sockets slowly
}

TEST_P(FetchTest, SlowAnswerBeyondTheTimeoutIsATimeout) {
  Server server(ServerConfig{});
  Options options = with_concurrency(2);
  options.timeout = 200ms;
  CollectingSink sink;
  fetch(options, {server.base_url() + "/todos/{1,2}?delay={0ms,3s}"}, sink);

  std::map<std::string, Record> by_url;
  for (auto& record : sink.records()) by_url[record.url] = record;
  ASSERT_EQ(by_url.size(), 4u);
  const auto& slow = by_url[server.base_url() + "/todos/1?delay=3s"];
  ASSERT_TRUE(slow.error);
  EXPECT_EQ(slow.error->kind, ErrorKind::Timeout);
  EXPECT_GE(slow.elapsed_ms, 200);  // the timeout really ran out
  EXPECT_TRUE(by_url[server.base_url() + "/todos/2?delay=0ms"].ok);
}

TEST_P(FetchTest, FetchingStartsBeforeTheInputEnds) {
  Server server(ServerConfig{});
  test::TempDir dir;
  const auto fifo = dir.path() / "urls.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  CollectingSink sink;
  std::jthread run([&] { fetch(with_concurrency(4), {"@" + fifo.string()}, sink); });

  std::ofstream writer(fifo);
  for (int id = 1; id <= 5; ++id) writer << server.base_url() << "/todos/" << id << '\n';
  writer.flush();
  // The writer keeps the FIFO open, so the reader cannot have seen its end.
  EXPECT_TRUE(test::wait_until([&] { return sink.size() == 5; }));
  writer << server.base_url() << "/todos/6\n";
  writer.close();
  run.join();
  EXPECT_EQ(sink.size(), 6u);
}

TEST_P(FetchTest, AbortGivesEveryUrlReadARecord) {
  Server server(ServerConfig{});
  CollectingSink sink;
  LiveCounters live;
  std::stop_source stop;
  std::jthread stopper([&] {
    test::wait_until([&] { return sink.size() >= 20; });
    stop.request_stop();
  });
  const auto report =
      fetch(with_concurrency(10), {server.base_url() + "/todos/{1..100000}?delay=50ms"}, sink,
            RunControl{.stop = {}, .abort = stop.get_token()}, &live);
  stopper.join();

  EXPECT_TRUE(report.stopped);
  const auto records = sink.records();
  EXPECT_EQ(records.size(), live.urls_read.load());
  EXPECT_LT(records.size(), 100000u);
  const auto cancelled = std::count_if(records.begin(), records.end(), [](const Record& r) {
    return r.error && r.error->kind == ErrorKind::Cancelled;
  });
  EXPECT_GE(cancelled, 10);
  std::set<std::uint64_t> indexes;
  for (const auto& record : records) indexes.insert(record.index);
  EXPECT_EQ(indexes.size(), records.size());
}

// An abort ends transfers that wait on a quiet server: each is a cancelled attempt, and the
// run ends long before the answers would begin. (That the thread engine ends them at once,
// not at libcurl's next once-a-second look at its progress callback, is a time: it is
// measured by bench/timing_bench.py, "abort".)
TEST_P(FetchTest, AnAbortEndsTransfersWaitingOnAQuietServer) {
  Server server(ServerConfig{});
  CollectingSink sink;
  std::stop_source abort;
  std::jthread aborter([&] {
    test::wait_until([&] { return server.stats().in_flight == 4; });
    abort.request_stop();
  });
  fetch(with_concurrency(4), {server.base_url() + "/todos/{1..4}?delay=60s"}, sink,
        RunControl{.stop = {}, .abort = abort.get_token()});
  aborter.join();

  const auto records = sink.records();
  ASSERT_EQ(records.size(), 4u);
  for (const auto& record : records) {
    ASSERT_TRUE(record.error) << record.url;
    EXPECT_EQ(record.error->kind, ErrorKind::Cancelled) << record.error->message;
    EXPECT_EQ(record.attempts, 1);
  }
  EXPECT_EQ(server.stats().requests, 0u);  // no answer was begun: none was waited for
}

TEST_P(FetchTest, HttpsToAPlainHttpServerIsATlsError) {
  Server server(ServerConfig{});
  CollectingSink sink;
  fetch(with_concurrency(1), {"https://127.0.0.1:" + std::to_string(server.port()) + "/todos/1"},
        sink);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Tls) << records[0].error->message;
}

TEST_P(FetchTest, UnreadableListIsAUsageErrorBeforeAnyRequest) {
  Server server(ServerConfig{});
  CollectingSink sink;
  EXPECT_THROW(
      fetch(with_concurrency(1), {server.base_url() + "/todos/1", "@/nonexistent/list"}, sink),
      UsageError);
  EXPECT_EQ(sink.size(), 0u);
  EXPECT_EQ(server.stats().requests, 0u);
}

// The library speaks of its options; only the CLI knows the flags that set them.
TEST_P(FetchTest, ZeroConcurrencyIsAUsageErrorNamingTheOption) {
  CollectingSink sink;
  try {
    fetch(with_concurrency(0), {"http://127.0.0.1:9/"}, sink);
    FAIL() << "no UsageError";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.option(), "concurrency");
    EXPECT_EQ(std::string(error.what()), "concurrency must be between 1 and 1000000, not 0");
  }
}

}  // namespace
}  // namespace sluice
