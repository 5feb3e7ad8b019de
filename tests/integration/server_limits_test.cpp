// Servers' own limits, on both engines: the rate a server announces in its RateLimit or
// X-RateLimit-* headers slows its host before it refuses, no longer than --max-retry-wait,
// and a 503 with Retry-After pauses its host only; after a redirect, the host that answered,
// whose --per-host turn the redirect also waits for. Also the test server's --rate-limit
// knob itself.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/child_process.hpp"
#include "support/collecting_sink.hpp"
#include "support/curl_together.hpp"
#include "support/engines.hpp"
#include "support/ports.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

Options options_for(EngineKind engine, std::size_t concurrency) {
  Options result;
  result.engine = engine;
  result.concurrency = concurrency;
  return result;
}

class AnnouncedRateTest : public ::testing::TestWithParam<std::tuple<EngineKind, RateLimitFields>> {
};

INSTANTIATE_TEST_SUITE_P(
    EnginesAndSpellings, AnnouncedRateTest,
    ::testing::Combine(test::both_engines(),
                       ::testing::Values(RateLimitFields::Ietf, RateLimitFields::X)),
    [](const auto& param_info) {
      return test::engine_name(std::get<0>(param_info.param)) +
             (std::get<1>(param_info.param) == RateLimitFields::X ? "XRateLimit" : "RateLimit");
    });

TEST_P(AnnouncedRateTest, RunKeepsToTheServersWindowWithoutBeingRefused) {
  const auto [engine, fields] = GetParam();
  const auto server_started = Clock::now();
  Server server({.rate_limit = {.quota = 50, .window = 1s, .fields = fields}});
  auto limited = options_for(engine, 20);
  limited.retries = 0;  // a 429 would be a failed record
  test::CollectingSink sink;
  const auto started = Clock::now();
  fetch(limited, {server.base_url() + "/todos/{1..300}"}, sink);
  const auto elapsed = Clock::now() - started;

  ASSERT_EQ(sink.size(), 300u);
  for (const auto& record : sink.records()) ASSERT_TRUE(record.ok) << record.url;
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 300u);
  // No request can be refused before the first answer's headers arrive: by then at most
  // -c 20 have started, fewer than the window's 50. After it every answer says how many
  // are left until when, and the client spreads them up to that end, which (rounded up to
  // whole seconds, as sent) is never before the server's.
  EXPECT_EQ(stats.rate_limited, 0u);
  // 300 requests accepted 50 per window fill six windows from the server's start, so the
  // last began 5 s after it at the earliest. How much of each window the client uses is a
  // time, recorded here for reading (the quota gives 6 s), not asserted.
  EXPECT_GE(Clock::now() - server_started, 5s);
  RecordProperty(
      "elapsed_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
}

// Calls for a stop of the run once `after` has passed, unless destroyed before: what keeps
// a run whose host is held for a day from holding the test as long.
class StopAfter {
 public:
  explicit StopAfter(Clock::duration after)
      : thread_([this, after](std::stop_token done) {
          std::mutex mutex;
          std::condition_variable_any never;
          std::unique_lock lock(mutex);
          if (!never.wait_for(lock, done, after, [] { return false; }) && !done.stop_requested()) {
            stop_.request_stop();
          }
        }) {}
  std::stop_token token() const { return stop_.get_token(); }

 private:
  std::stop_source stop_;
  std::jthread thread_;  // last: it uses stop_
};

TEST_P(AnnouncedRateTest, AResetADayAwayHoldsTheHostNoLongerThanTheMaxRetryWait) {
  const auto [engine, fields] = GetParam();
  // One request per 100000 s: every answer says none are left until then, and the refused
  // ones ask for a Retry-After as long.
  Server server({.rate_limit = {.quota = 1, .window = 100000s, .fields = fields}});
  auto capped = options_for(engine, 1);
  capped.retries = 0;
  capped.max_retry_wait = 1s;
  test::CollectingSink sink;
  const StopAfter give_up(30s);
  fetch(capped, {server.base_url() + "/todos/{1..3}"}, sink,
        {.stop = give_up.token(), .abort = {}});

  // Each answer held the host for a second, not for the day: the server saw every URL.
  EXPECT_EQ(server.stats().requests, 3u);
  ASSERT_EQ(sink.size(), 3u);
  for (const auto& record : sink.records()) {
    ASSERT_TRUE(record.status) << record.url;
    EXPECT_TRUE(record.status == 200 || record.status == 429) << record.url;
  }
}

class HostLimitsTest : public ::testing::TestWithParam<EngineKind> {};

INSTANTIATE_TEST_SUITE_P(Engines, HostLimitsTest, test::both_engines(), test::engine_test_name);

TEST_P(HostLimitsTest, WithoutTheHeadersTheRunIsNotSlowed) {
  Server server(ServerConfig{});
  test::CollectingSink sink;
  // Every host is tracked now; with no cap and nothing announced it must not hold any back.
  fetch(options_for(GetParam(), 20), {server.base_url() + "/todos/{1..300}?delay=50ms"}, sink);

  ASSERT_EQ(sink.size(), 300u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
  // All 20 slots on the server at once: held to the 50/s of the test above, 50 ms answers
  // would have had only two or three in flight.
  EXPECT_EQ(server.stats().peak_in_flight, 20u);
}

// The URLs that finished, with when.
class TimedSink final : public RecordSink {
 public:
  void on_record(Record&& record) override {
    std::lock_guard lock(mutex_);
    finished_.emplace_back(std::move(record), Clock::now());
  }
  std::vector<std::pair<Record, Clock::time_point>> finished() const {
    std::lock_guard lock(mutex_);
    return finished_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<Record, Clock::time_point>> finished_;  // guarded by mutex_
};

TEST_P(HostLimitsTest, RetryAfterPausesItsHostButNotAnotherWithoutPerHost) {
  Server first({.address = "127.0.0.1"});
  Server second({.address = "127.0.0.2"});
  auto plain = options_for(GetParam(), 4);  // no --per-host
  TimedSink sink;
  const auto started = Clock::now();
  // The first host's 503 comes back while the second host's URLs are running; its other
  // URLs come last in the list, so they are read while the host is paused.
  fetch(plain,
        {first.base_url() + "/todos/1?fault=503&retry_after=1&fault_times=1",
         second.base_url() + "/todos/{1..20}?delay=20ms", first.base_url() + "/todos/{2..4}"},
        sink);

  const auto finished = sink.finished();
  ASSERT_EQ(finished.size(), 24u);
  auto first_host_done = Clock::time_point::max();
  auto second_host_done = Clock::time_point::min();
  for (const auto& [record, at] : finished) {
    EXPECT_TRUE(record.ok) << record.url;
    if (record.url.starts_with(first.base_url())) {
      // The pause began when the 503 arrived, after the start.
      EXPECT_GE(at - started, 1s) << record.url;
      first_host_done = std::min(first_host_done, at);
    } else {
      second_host_done = std::max(second_host_done, at);
    }
  }
  // 20 URLs of 20 ms, three at a time, did not wait for the other host's pause: all ended
  // before any of the paused host's.
  EXPECT_LT(second_host_done, first_host_done);
  EXPECT_EQ(first.stats().requests, 5u);  // the 503, its retry and three others
  EXPECT_EQ(second.stats().requests, 20u);
}

TEST_P(HostLimitsTest, WhatARedirectedAnswerAnnouncesHoldsTheHostThatAnsweredIt) {
  Server origin({.address = "127.0.0.1"});
  Server limited({.address = "127.0.0.2", .rate_limit = {.quota = 1, .window = 30s}});
  auto one_at_a_time = options_for(GetParam(), 1);  // the redirect ends before the rest start
  one_at_a_time.retries = 0;
  test::CollectingSink sink;
  const auto started = Clock::now();
  // The origin sends the first URL to the limited server, which answers "none left for
  // 30 s": its own host is held for that, not the origin whose URLs come next.
  fetch(one_at_a_time,
        {origin.base_url() + "/redirect-to?url=" + limited.base_url() + "/todos/1",
         origin.base_url() + "/todos/{1..20}"},
        sink);
  const auto elapsed = Clock::now() - started;

  ASSERT_EQ(sink.size(), 21u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
  EXPECT_EQ(origin.stats().requests, 21u);
  EXPECT_EQ(limited.stats().requests, 1u);
  // 21 quick requests; holding the origin would have taken the window's 30 s.
  EXPECT_LT(elapsed, 20s);
}

TEST_P(HostLimitsTest, PerHostHoldsForTheHostARedirectLeadsTo) {
  Server origin({.address = "127.0.0.1"});
  Server target({.address = "127.0.0.2"});
  auto capped = options_for(GetParam(), 8);
  capped.per_host = 2;
  // Half the target's URLs come by way of the origin: a redirect's request to the target
  // must wait for one of the target's two turns like the direct ones.
  std::vector<std::string> urls;
  for (int i = 1; i <= 12; ++i) {
    const std::string direct = target.base_url() + "/todos/" + std::to_string(i) + "?delay=100ms";
    urls.push_back(origin.base_url() + "/redirect-to?url=" + direct);
    urls.push_back(direct);
  }
  test::CollectingSink sink;
  fetch(capped, urls, sink);

  ASSERT_EQ(sink.size(), 24u);
  for (const auto& record : sink.records()) {
    EXPECT_TRUE(record.ok) << record.url;
    if (record.url.starts_with(origin.base_url())) {
      EXPECT_EQ(record.final_url, record.url.substr(record.url.find("url=") + 4));
      EXPECT_EQ(record.attempts, 1);
    }
  }
  EXPECT_EQ(origin.stats().requests, 12u);
  EXPECT_EQ(target.stats().requests, 24u);
  EXPECT_LE(target.stats().peak_in_flight, 2u);
}

TEST_P(HostLimitsTest, ARetryOfARedirectedURLStartsAgainAtItsOwnAddress) {
  Server origin({.address = "127.0.0.1"});
  Server target({.address = "127.0.0.2"});
  auto once_more = options_for(GetParam(), 2);
  once_more.retries = 1;
  const std::string refusing = target.base_url() + "/todos/1?fault=503";
  test::CollectingSink sink;
  fetch(once_more, {origin.base_url() + "/redirect-to?url=" + refusing}, sink);

  const auto records = sink.records();
  ASSERT_EQ(records.size(), 1u);
  const Record& record = records[0];
  EXPECT_EQ(record.status, 503);
  EXPECT_EQ(record.attempts, 2);
  EXPECT_EQ(record.final_url, refusing);
  // Each attempt went the whole way, as with libcurl following the redirect.
  EXPECT_EQ(origin.stats().requests, 2u);
  EXPECT_EQ(target.stats().requests, 2u);
}

// One answer of the test server, with the headers it was asked about.
struct Answer {
  long status = 0;
  std::vector<std::string> fields;  // "Name: value", in the order asked; "" when missing
};

std::size_t ignore_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

Answer get(const std::string& url, const std::vector<std::string>& names) {
  test::CurlEasy handle(curl_easy_init());
  curl_easy_setopt(handle.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle.get(), CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEFUNCTION, ignore_body);
  Answer answer;
  if (curl_easy_perform(handle.get()) != CURLE_OK) return answer;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &answer.status);
  for (const auto& name : names) {
    curl_header* header = nullptr;
    const bool found =
        curl_easy_header(handle.get(), name.c_str(), 0, CURLH_HEADER, -1, &header) == CURLHE_OK;
    answer.fields.push_back(found ? name + ": " + header->value : "");
  }
  return answer;
}

TEST(ServerRateLimitTest, AnnouncesTheWindowAndRefusesBeyondItsQuota) {
  Server server({.rate_limit = {.quota = 2, .window = 60s}});
  const std::vector<std::string> names{"RateLimit-Policy", "RateLimit", "Retry-After"};
  const auto url = server.base_url() + "/todos/1";
  const Answer one = get(url, names);
  const Answer two = get(url, names);
  const Answer three = get(url, names);
  const Answer stats = get(server.base_url() + "/_stats", names);

  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.fields[0], "RateLimit-Policy: \"default\";q=2;w=60");
  // The window started with the server, a moment ago: 60 s are left, rounded up.
  EXPECT_EQ(one.fields[1], "RateLimit: \"default\";r=1;t=60");
  EXPECT_EQ(one.fields[2], "");
  EXPECT_EQ(two.status, 200);
  EXPECT_EQ(two.fields[1], "RateLimit: \"default\";r=0;t=60");
  EXPECT_EQ(three.status, 429);
  EXPECT_EQ(three.fields[1], "RateLimit: \"default\";r=0;t=60");
  EXPECT_EQ(three.fields[2], "Retry-After: 60");
  // /_stats is neither limited nor counted.
  EXPECT_EQ(stats.status, 200);
  EXPECT_EQ(stats.fields[1], "");
  const auto counters = server.stats();
  EXPECT_EQ(counters.requests, 3u);
  EXPECT_EQ(counters.rate_limited, 1u);
  EXPECT_EQ(counters.faults, 0u);
}

TEST(ServerRateLimitTest, WindowRenewsAndAnnouncesItInTheXSpelling) {
  Server server({.rate_limit = {.quota = 1, .window = 1s, .fields = RateLimitFields::X}});
  const std::vector<std::string> names{"X-RateLimit-Limit", "X-RateLimit-Remaining",
                                       "X-RateLimit-Reset", "RateLimit"};
  const auto url = server.base_url() + "/todos/1";
  const Answer first = get(url, names);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.fields[0], "X-RateLimit-Limit: 1");
  EXPECT_EQ(first.fields[1], "X-RateLimit-Remaining: 0");
  EXPECT_EQ(first.fields[2], "X-RateLimit-Reset: 1");
  EXPECT_EQ(first.fields[3], "");  // one spelling only
  // Until the window renews every request is refused; then one is accepted again. Bounded:
  // a window is 1 s.
  const auto deadline = Clock::now() + 3s;
  Answer later = get(url, names);
  while (later.status == 429 && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    later = get(url, names);
  }
  EXPECT_EQ(later.status, 200);
  EXPECT_GE(server.stats().rate_limited, 1u);
}

TEST(ServerRateLimitTest, ServeTakesTheRateLimitKnobs) {
  for (const std::string bad : {"50", "0/1s", "50/500ms", "x/1s", "50/soon"}) {
    const auto result = test::run_child(SLUICE_BINARY, {"serve", "--rate-limit", bad}, {}, 10s);
    EXPECT_EQ(result.exit_code, 2) << bad;
    EXPECT_NE(result.err.find("--rate-limit"), std::string::npos) << result.err;
  }
  const auto bad_spelling = test::run_child(
      SLUICE_BINARY, {"serve", "--rate-limit", "5/1s", "--rate-limit-headers", "y"}, {}, 10s);
  EXPECT_EQ(bad_spelling.exit_code, 2);
  EXPECT_NE(bad_spelling.err.find("--rate-limit-headers"), std::string::npos) << bad_spelling.err;

  const auto port = std::to_string(test::closed_port());
  test::ChildProcess serve(SLUICE_BINARY, {"serve", "--port", port, "--rate-limit", "1/1m",
                                           "--rate-limit-headers", "x"});
  const auto url = "http://127.0.0.1:" + port + "/todos/1";
  Answer first;
  const auto deadline = Clock::now() + 5s;
  do {
    first = get(url, {"X-RateLimit-Limit"});
  } while (first.status == 0 && Clock::now() < deadline);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.fields[0], "X-RateLimit-Limit: 1");
  EXPECT_EQ(get(url, {}).status, 429);
  serve.signal(SIGTERM);
  EXPECT_EQ(serve.wait(10s).exit_code, 0);
}

}  // namespace
}  // namespace sluice
