// What a hostile server's answers become in the records, on both engines: the embedded
// server's faults (a huge header line, endless 1xx answers, a redirect without a target or to
// a scheme libcurl does not know) and the cases around them (credentials in a redirect
// target, a stop while a retry waits, a redirect loop after a re-sent request).
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stop_token>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"
#include "support/server_waits.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class HostileServerTest : public test::EngineTest {
 protected:
  Options options() const {
    Options result = EngineTest::options(4);
    result.retry_backoff = 10ms;  // a wrongly retried failure is quick to show
    result.stall_timeout = 5s;
    return result;
  }
  // Fetches `sources` and returns the records, in completion order.
  static std::vector<Record> fetch_all(const Options& options, std::vector<std::string> sources) {
    test::CollectingSink sink;
    fetch(options, std::move(sources), sink);
    return sink.records();
  }
  // The one record of fetching `url`.
  Record fetch_one(const Options& options, const std::string& url) const {
    auto records = fetch_all(options, {url});
    EXPECT_EQ(records.size(), 1u);
    return records.empty() ? Record{} : std::move(records[0]);
  }

  Server server_{ServerConfig{}};
};

INSTANTIATE_TEST_SUITE_P(Engines, HostileServerTest, test::both_engines(), test::engine_test_name);

// libcurl takes header lines of up to 100 KiB; a longer one is the server's fault, not a
// lack of memory, and another attempt would meet it again.
TEST_P(HostileServerTest, AHugeHeaderLineIsAProtocolErrorAndNotRetried) {
  const Record record = fetch_one(options(), server_.base_url() + "/todos/1?fault=huge-header");
  ASSERT_TRUE(record.error);
  EXPECT_EQ(record.error->kind, ErrorKind::Protocol) << record.error->message;
  EXPECT_EQ(record.attempts, 1);
  EXPECT_EQ(server_.stats().requests, 1u);
}

// libcurl gives up after 300 KB of header, 1xx answers included; the connection did not fail.
TEST_P(HostileServerTest, EndlessInterimAnswersAreAProtocolErrorAndNotRetried) {
  const Record record = fetch_one(options(), server_.base_url() + "/todos/1?fault=endless-1xx");
  ASSERT_TRUE(record.error);
  EXPECT_EQ(record.error->kind, ErrorKind::Protocol) << record.error->message;
  EXPECT_EQ(record.attempts, 1);
  EXPECT_EQ(server_.stats().requests, 1u);
}

// ftp: and file: parse and are refused when libcurl moves there; data: and ws: do not even
// parse in libcurl 7.88, which then stays on the URL that redirected. Both are the refused
// scheme docs/usage.md promises, and final_url names the target either way.
TEST_P(HostileServerTest, ARedirectToASchemeLibcurlDoesNotKnowIsAnUnsupportedScheme) {
  for (const std::string target : {"data:text/plain,hello", "ws://127.0.0.1:1/socket"}) {
    SCOPED_TRACE(target);
    const Record record = fetch_one(options(), server_.base_url() + "/redirect-to?url=" + target);
    ASSERT_TRUE(record.error);
    EXPECT_EQ(record.error->kind, ErrorKind::UnsupportedScheme) << record.error->message;
    EXPECT_EQ(record.status, 302);
    EXPECT_EQ(record.final_url, target);
    EXPECT_EQ(record.attempts, 1);
  }
}

TEST_P(HostileServerTest, ARedirectWithoutLocationIsAProtocolError) {
  const std::string url = server_.base_url() + "/todos/1?fault=redirect-no-location";
  const Record record = fetch_one(options(), url);
  ASSERT_TRUE(record.error);
  EXPECT_FALSE(record.ok);
  EXPECT_EQ(record.error->kind, ErrorKind::Protocol);
  EXPECT_NE(record.error->message.find("Location"), std::string::npos) << record.error->message;
  EXPECT_EQ(record.status, 302);
  EXPECT_EQ(record.attempts, 1);
  // Not following redirects, the 302 itself is the answer asked for.
  auto not_following = options();
  not_following.max_redirects = 0;
  const Record answer = fetch_one(not_following, url);
  EXPECT_TRUE(answer.ok);
  EXPECT_EQ(answer.status, 302);
}

TEST_P(HostileServerTest, CredentialsInARedirectTargetAreRedactedFromFinalUrl) {
  const std::string host = server_.base_url().substr(std::string("http://").size());
  const Record record = fetch_one(options(), server_.base_url() + "/redirect-to?url=http://" +
                                                 "user:secret@" + host + "/todos/1");
  EXPECT_TRUE(record.ok);
  EXPECT_EQ(record.final_url, "http://***@" + host + "/todos/1");
}

TEST_P(HostileServerTest, AStopWhileARetryWaitsKeepsTheStatusOfTheLastAttempt) {
  auto patient = options();
  patient.retry_backoff = 1h;  // the retry waits until the stop
  patient.max_retry_wait = 1h;
  test::CollectingSink sink;
  std::stop_source stop;
  auto run = std::async(std::launch::async, [&] {
    return fetch(patient, {server_.base_url() + "/status/503"}, sink,
                 {.stop = stop.get_token(), .abort = {}});
  });
  ASSERT_TRUE(test::eventually([&] { return server_.stats().requests == 1; }));
  ASSERT_TRUE(test::in_flight_drains(server_));
  stop.request_stop();
  ASSERT_EQ(run.wait_for(30s), std::future_status::ready);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].error);
  EXPECT_EQ(records[0].error->kind, ErrorKind::Cancelled);
  EXPECT_EQ(records[0].attempts, 1);
  EXPECT_EQ(records[0].status, 503);
}

// The first URL leaves a kept-alive connection; the second's request on it is reset, which
// libcurl answers by sending it again on a new connection. The redirects that follow are
// other requests: their failure is not "after" that reset.
TEST_P(HostileServerTest, ARedirectLoopAfterARequestSentAgainDoesNotNameTheReset) {
  auto one_by_one = options();
  one_by_one.concurrency = 1;
  one_by_one.max_redirects = 2;
  one_by_one.retries = 0;
  const auto records =
      fetch_all(one_by_one, {server_.base_url() + "/todos/1",
                             server_.base_url() + "/redirect/5?fault=reset-before&fault_times=1"});
  ASSERT_EQ(records.size(), 2u);
  const Record& looped = records[1];
  ASSERT_TRUE(looped.error);
  EXPECT_EQ(looped.error->kind, ErrorKind::Protocol);
  EXPECT_EQ(looped.error->message.find("earlier failure"), std::string::npos)
      << looped.error->message;
  EXPECT_EQ(looped.error->message.find("reset"), std::string::npos) << looped.error->message;
  // The reset and the re-send did happen: two requests for the URL's own target.
  EXPECT_EQ(server_.stats().requests, 1u + 2u + 2u);
  EXPECT_EQ(server_.stats().faults, 1u);
}

}  // namespace
}  // namespace sluice
