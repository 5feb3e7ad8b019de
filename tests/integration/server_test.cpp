// Loopback tests of the embedded test server, with libcurl as the client.
#include "server/server.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/body_pattern.hpp"
#include "sluice/errors.hpp"
#include "support/http_client.hpp"
#include "support/server_waits.hpp"

namespace sluice {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

using test::eventually;
using test::fetch;
using test::fetch_all;
using test::Reply;
using test::HttpClient;
using test::in_flight_drains;

bool requests_reach(const Server& server, std::uint64_t count) {
  return eventually([&] { return server.stats().requests >= count; });
}

TEST(ServerTest, TodoHasPlaceholderShape) {
  Server server({});
  for (const std::uint64_t id : {1U, 200U}) {
    const auto reply = fetch(server.base_url() + "/todos/" + std::to_string(id));
    ASSERT_EQ(reply.code, CURLE_OK);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/json");
    const auto todo = nlohmann::json::parse(reply.body);
    EXPECT_EQ(todo.size(), 4U);
    EXPECT_EQ(todo.at("userId"), (id - 1) / 20 + 1);
    EXPECT_EQ(todo.at("id"), id);
    ASSERT_TRUE(todo.at("title").is_string());
    EXPECT_FALSE(todo.at("title").get<std::string>().empty());
    EXPECT_TRUE(todo.at("completed").is_boolean());
    EXPECT_EQ(fetch(server.base_url() + "/todos/" + std::to_string(id)).body, reply.body);
  }
  EXPECT_NE(fetch(server.base_url() + "/todos/1").body, fetch(server.base_url() + "/todos/2").body);
}

TEST(ServerTest, TodoIdMustBePositiveInteger) {
  Server server({});
  for (const char* id : {"0", "-1", "abc", "1x", ""}) {
    EXPECT_EQ(fetch(server.base_url() + "/todos/" + id).status, 404) << id;
  }
}

TEST(ServerTest, BytesAreExactPattern) {
  Server server({});
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{1}, std::size_t{100'000}, std::size_t{3} << 20U}) {
    const auto reply = fetch(server.base_url() + "/bytes/" + std::to_string(size));
    ASSERT_EQ(reply.code, CURLE_OK);
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "application/octet-stream");
    EXPECT_EQ(reply.content_length, static_cast<curl_off_t>(size));
    ASSERT_EQ(reply.body.size(), size);
    EXPECT_TRUE(is_body_prefix(reply.body)) << "size " << size;
  }
}

TEST(ServerTest, BytesAllowOneGibAndRejectMore) {
  Server server({});
  HttpClient handle;
  curl_easy_setopt(handle.handle(), CURLOPT_NOBODY, 1L);
  const auto gib = handle.fetch(server.base_url() + "/bytes/1073741824");
  EXPECT_EQ(gib.status, 200);
  EXPECT_EQ(gib.content_length, curl_off_t{1} << 30U);
  EXPECT_EQ(fetch(server.base_url() + "/bytes/1073741825").status, 400);
}

TEST(ServerTest, HeadStatesLengthWithoutBody) {
  Server server({});
  HttpClient handle;
  curl_easy_setopt(handle.handle(), CURLOPT_NOBODY, 1L);
  const auto bytes = handle.fetch(server.base_url() + "/bytes/5000");
  EXPECT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.content_length, 5000);
  EXPECT_TRUE(bytes.body.empty());
  const auto todo = handle.fetch(server.base_url() + "/todos/3");
  EXPECT_EQ(todo.status, 200);
  EXPECT_EQ(todo.content_length,
            static_cast<curl_off_t>(fetch(server.base_url() + "/todos/3").body.size()));
  ASSERT_TRUE(requests_reach(server, 3));
  EXPECT_EQ(server.stats().bytes_sent, static_cast<std::uint64_t>(todo.content_length));
}

TEST(ServerTest, StatusRouteAnswersThatCode) {
  Server server({});
  EXPECT_EQ(fetch(server.base_url() + "/status/404").status, 404);
  EXPECT_EQ(fetch(server.base_url() + "/status/503").status, 503);
  const auto no_content = fetch(server.base_url() + "/status/204");
  EXPECT_EQ(no_content.status, 204);
  EXPECT_TRUE(no_content.body.empty());
  for (const char* code : {"99", "100", "199", "600", "abc", ""}) {
    EXPECT_EQ(fetch(server.base_url() + "/status/" + code).status, 400) << code;
  }
}

TEST(ServerTest, UnknownPathIs404WithJson) {
  Server server({});
  for (const char* path : {"/", "/nope", "/todos", "/bytes/", "/_stats/x"}) {
    const auto reply = fetch(server.base_url() + path);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.content_type, "application/json");
    EXPECT_TRUE(nlohmann::json::parse(reply.body).contains("error")) << reply.body;
  }
}

TEST(ServerTest, OtherMethodsAre405) {
  Server server({});
  HttpClient handle;
  curl_easy_setopt(handle.handle(), CURLOPT_POSTFIELDS, "a=1");
  EXPECT_EQ(handle.fetch(server.base_url() + "/todos/1").status, 405);
  HttpClient remove;
  curl_easy_setopt(remove.handle(), CURLOPT_CUSTOMREQUEST, "DELETE");
  EXPECT_EQ(remove.fetch(server.base_url() + "/todos/1").status, 405);
}

TEST(ServerTest, StatsCountRequestsAndBytesButNotItself) {
  Server server({});
  HttpClient handle;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(handle.fetch(server.base_url() + "/bytes/100").status, 200);
  }
  const auto todo = handle.fetch(server.base_url() + "/todos/1");
  // Same connection: the server finished counting the answers before it read this request.
  auto first = nlohmann::json::parse(handle.fetch(server.base_url() + "/_stats").body);
  auto second = nlohmann::json::parse(handle.fetch(server.base_url() + "/_stats").body);
  // The acknowledged-bytes bins count /_stats answers too, and a 100 ms tick may fall
  // between the two: only the counters must be equal.
  for (auto* stats : {&first, &second}) {
    stats->erase("acked_bins_100ms");
    stats->erase("acked_bins_first");
  }
  EXPECT_EQ(first.at("requests"), 4);
  EXPECT_EQ(first.at("bytes_sent"), 300 + todo.body.size());
  EXPECT_EQ(first.at("in_flight"), 0);
  EXPECT_EQ(first.at("peak_in_flight"), 1);
  EXPECT_EQ(first.at("connections"), 1);
  EXPECT_EQ(second, first);
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 4U);
  EXPECT_EQ(stats.bytes_sent, 300 + todo.body.size());
}

TEST(ServerTest, KeepsConnectionsAliveAndSpeaksHttp10) {
  Server server({});
  HttpClient handle;
  EXPECT_EQ(handle.fetch(server.base_url() + "/todos/1").new_connections, 1);
  EXPECT_EQ(handle.fetch(server.base_url() + "/todos/2").new_connections, 0);
  HttpClient old;
  curl_easy_setopt(old.handle(), CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_0);
  const auto reply = old.fetch(server.base_url() + "/bytes/10");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.size(), 10U);
  ASSERT_TRUE(requests_reach(server, 3));
  EXPECT_EQ(server.stats().connections, 2U);
}

TEST(ServerTest, PeakInFlightCountsParallelDelayedRequests) {
  Server server({});
  constexpr std::size_t kParallel = 50;
  const std::vector<std::string> urls(kParallel, server.base_url() + "/todos/7?delay=200ms");
  for (const auto& reply : fetch_all(urls)) {
    ASSERT_EQ(reply.code, CURLE_OK);
    EXPECT_EQ(reply.status, 200);
  }
  ASSERT_TRUE(requests_reach(server, kParallel));
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, kParallel);
  EXPECT_EQ(stats.peak_in_flight, kParallel);
  EXPECT_TRUE(in_flight_drains(server));
  EXPECT_EQ(stats.connections, kParallel);
}

TEST(ServerTest, DelayParameterHoldsTheAnswer) {
  Server server({});
  const auto start = Clock::now();
  const auto reply = fetch(server.base_url() + "/todos/1?x=1&delay=300ms");
  EXPECT_GE(Clock::now() - start, milliseconds{300});
  EXPECT_EQ(reply.status, 200);
  const auto seconds_start = Clock::now();
  EXPECT_EQ(fetch(server.base_url() + "/status/503?delay=0.1s").status, 503);
  EXPECT_GE(Clock::now() - seconds_start, milliseconds{100});
}

TEST(ServerTest, DelayParameterIsADuration) {
  Server server({});
  for (const char* good : {"0", "0ms", "5ms", "0.01s", "1s"}) {
    EXPECT_EQ(fetch(server.base_url() + "/todos/1?delay=" + good).status, 200) << good;
  }
  for (const char* bad : {"abc", "-1ms", "2h", "1.5ms", "ms", "s", "nans", "", "3601s"}) {
    EXPECT_EQ(fetch(server.base_url() + "/todos/1?delay=" + bad).status, 400) << bad;
  }
}

TEST(ServerTest, ConfiguredLatencyAppliesWithoutDelayParameter) {
  {
    Server server({.latency = milliseconds{200}});
    const auto start = Clock::now();
    EXPECT_EQ(fetch(server.base_url() + "/todos/1").status, 200);
    EXPECT_GE(Clock::now() - start, milliseconds{200});
  }
  // ?delay= replaces the latency; /_stats never waits for it. A latency of a minute is far
  // beyond the 20 s each fetch may take, so an answer at all shows that it was not waited for.
  Server server({.latency = std::chrono::minutes{1}});
  EXPECT_EQ(fetch(server.base_url() + "/todos/1?delay=0").status, 200);
  EXPECT_EQ(fetch(server.base_url() + "/_stats").status, 200);
}

TEST(ServerTest, JitterStaysWithinBounds) {
  Server server({.latency = milliseconds{200}, .jitter = milliseconds{100}, .seed = 7});
  const std::vector<std::string> urls(20, server.base_url() + "/todos/1");
  auto least = milliseconds::max();
  auto most = milliseconds::min();
  for (const auto& reply : fetch_all(urls)) {
    ASSERT_EQ(reply.status, 200);
    least = std::min(least, reply.elapsed);
    most = std::max(most, reply.elapsed);
  }
  EXPECT_GE(least, milliseconds{100});
  // No upper bound: a busy machine adds its own delay to every answer, so only the lower
  // bound is a fact the client can see.
  // Twenty uniform draws over 200 ms all landing within 20 ms of each other: odds ~1e-17.
  EXPECT_GT(most - least, milliseconds{20});
}

TEST(ServerTest, StopIsIdempotentAndClosesConnections) {
  Server server({});
  const auto url = server.base_url() + "/todos/1";
  auto waiting = std::async(std::launch::async, [&] { return fetch(url + "?delay=20s"); });
  ASSERT_TRUE(eventually([&] { return server.stats().in_flight == 1; }));
  std::thread other([&] { server.stop(); });
  server.stop();
  other.join();
  server.stop();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds{5}), std::future_status::ready);
  EXPECT_NE(waiting.get().code, CURLE_OK);
  EXPECT_EQ(fetch(url).code, CURLE_COULDNT_CONNECT);
  EXPECT_EQ(server.stats().connections, 1U);
}

TEST(ServerTest, BadConfigurationThrowsUsageError) {
  Server first({});
  EXPECT_THROW(Server({.port = first.port()}), UsageError);
  EXPECT_THROW(Server({.address = "not-an-address"}), UsageError);
  EXPECT_THROW(Server({.threads = 0}), UsageError);
}

TEST(ServerTest, SpreadsConnectionsOverThreads) {
  Server server({.threads = 4});
  const std::vector<std::string> urls(40, server.base_url() + "/bytes/1000?delay=50ms");
  for (const auto& reply : fetch_all(urls)) {
    ASSERT_EQ(reply.code, CURLE_OK);
    EXPECT_EQ(reply.body.size(), 1000U);
  }
  ASSERT_TRUE(requests_reach(server, 40));
  EXPECT_EQ(server.stats().bytes_sent, 40'000U);
  EXPECT_EQ(server.stats().connections, 40U);
}

TEST(ServerTest, HoldsTwoThousandDelayedRequests) {
  Server server({});
  constexpr std::size_t kParallel = 2000;
  // 3 s, so that all 2000 connections are open before the first answer even when a
  // sanitizer or a busy machine spreads their opening (an idle dev build: about 250 ms).
  const std::vector<std::string> urls(kParallel, server.base_url() + "/todos/1?delay=3s");
  const auto replies = fetch_all(urls);
  EXPECT_EQ(std::count_if(replies.begin(), replies.end(),
                          [](const Reply& reply) { return reply.status == 200; }),
            static_cast<std::ptrdiff_t>(kParallel));
  ASSERT_TRUE(requests_reach(server, kParallel));
  EXPECT_EQ(server.stats().peak_in_flight, kParallel);
}

// Collects what serve_until_signal writes and tells when it first flushes.
class FirstFlush : public std::stringbuf {
 public:
  std::future<void> flushed() { return flushed_.get_future(); }

 protected:
  int sync() override {
    if (!signalled_) {
      signalled_ = true;
      flushed_.set_value();
    }
    return std::stringbuf::sync();
  }

 private:
  std::promise<void> flushed_;
  bool signalled_ = false;
};

TEST(ServeUntilSignalTest, PrintsListeningLineAndReturnsOnSigterm) {
  // Shared with the serving thread, which a failed test leaves behind rather than hang on.
  auto buffer = std::make_shared<FirstFlush>();
  auto result = std::make_shared<std::promise<int>>();
  auto flushed = buffer->flushed();
  auto returned = result->get_future();
  std::thread serving([buffer, result] {
    std::ostream out(buffer.get());
    result->set_value(serve_until_signal({}, out));
  });
  ASSERT_EQ(flushed.wait_for(std::chrono::seconds{5}), std::future_status::ready);
  const auto line = buffer->str();
  const std::string lead = "listening on ";
  ASSERT_TRUE(line.starts_with(lead + "http://127.0.0.1:")) << line;
  ASSERT_TRUE(line.ends_with("\n")) << line;
  const auto base_url = line.substr(lead.size(), line.size() - lead.size() - 1);
  EXPECT_EQ(fetch(base_url + "/status/503").status, 503);
  // To the serving thread, which blocks SIGTERM from before the line is written until it
  // returns: the signal waits for it, and cannot kill the test.
  ::pthread_kill(serving.native_handle(), SIGTERM);
  if (returned.wait_for(std::chrono::seconds{5}) != std::future_status::ready) {
    serving.detach();
    FAIL() << "serve_until_signal did not return after SIGTERM";
  }
  serving.join();
  EXPECT_EQ(returned.get(), 0);
}

}  // namespace
}  // namespace sluice
