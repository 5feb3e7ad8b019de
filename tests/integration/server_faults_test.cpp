// Loopback tests of the test server's fault modes: what a libcurl client sees for each fault,
// and what the server counts.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server/body_pattern.hpp"
#include "server/fault_mix.hpp"
#include "server/http_date.hpp"
#include "server/server.hpp"
#include "sluice/errors.hpp"
#include "support/child_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_http.hpp"
#include "support/server_waits.hpp"

namespace sluice {
namespace {

using std::chrono::milliseconds;

using test::eventually;
using test::fetch;
using test::HttpClient;
using test::in_flight_drains;
using test::Reply;

// A client that gives up when less than 1 byte/s arrives for a second: how it meets a stall.
void give_up_below_a_byte_a_second(CURL* handle) {
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 1L);
}

Reply fetch_impatiently(const std::string& url) {
  HttpClient client;
  give_up_below_a_byte_a_second(client.handle());
  return client.fetch(url);
}

TEST(ServerFaultTest, ResetBeforeSendsNoByte) {
  Server server({});
  const auto reply = fetch(server.base_url() + "/bytes/10000?fault=reset-before");
  // curl 7.88 reports the RST as a failed receive (56); an empty reply (52) would be as right.
  EXPECT_TRUE(reply.code == CURLE_RECV_ERROR || reply.code == CURLE_GOT_NOTHING) << reply.code;
  EXPECT_EQ(reply.status, 0);
  EXPECT_TRUE(reply.body.empty());
  ASSERT_TRUE(in_flight_drains(server));
  const auto stats = server.stats();
  EXPECT_EQ(stats.requests, 1U);
  EXPECT_EQ(stats.faults, 1U);
  EXPECT_EQ(stats.bytes_sent, 0U);
}

// The default half of the body; fraction=0 is the reset after the header and before any
// byte of the body.
TEST(ServerFaultTest, ResetMidSendsItsFractionOfTheBodyThenResets) {
  for (const auto& [query, kept] : {std::pair<std::string, std::size_t>{"", 5000},
                                    {"&fraction=0", 0},
                                    {"&fraction=0.9", 9000}}) {
    SCOPED_TRACE(query);
    Server server({});
    const auto reply = fetch(server.base_url() + "/bytes/10000?fault=reset-mid" + query);
    EXPECT_TRUE(reply.code == CURLE_RECV_ERROR || reply.code == CURLE_PARTIAL_FILE) << reply.code;
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_length, 10000);
    // Loopback delivers every byte sent before the reset; a busier path could lose some.
    EXPECT_LE(reply.body.size(), kept);
    EXPECT_TRUE(is_body_prefix(reply.body));
    ASSERT_TRUE(in_flight_drains(server));
    EXPECT_EQ(server.stats().faults, 1U);
    EXPECT_EQ(server.stats().bytes_sent, kept);
  }
}

TEST(ServerFaultTest, StallHoldsTheConnectionUntilTheClientLeaves) {
  Server server({});
  auto stalled = std::async(std::launch::async, [url = server.base_url()] {
    return fetch_impatiently(url + "/bytes/10000?fault=stall");
  });
  ASSERT_TRUE(eventually([&] { return server.stats().faults == 1; }));
  EXPECT_EQ(server.stats().in_flight, 1U);
  const auto reply = stalled.get();
  EXPECT_EQ(reply.code, CURLE_OPERATION_TIMEDOUT);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_length, 10000);
  EXPECT_TRUE(reply.body.empty());
  // The client's close completes the server's pending read, which ends the answer.
  EXPECT_TRUE(in_flight_drains(server));
}

TEST(ServerFaultTest, BadStatusLineIsRefused) {
  Server server({});
  const auto reply = fetch(server.base_url() + "/todos/1?fault=bad-status");
  // curl 7.88 reads "HTTP/1.1 twohundred" as an HTTP version it does not support.
  EXPECT_EQ(reply.code, CURLE_UNSUPPORTED_PROTOCOL);
  EXPECT_TRUE(reply.body.empty());
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().faults, 1U);
}

TEST(ServerFaultTest, HugeHeadersStillCarryTheAnswer) {
  Server server({});
  HttpClient client;
  const auto reply = client.fetch(server.base_url() + "/bytes/10000?fault=huge-headers");
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 200);
  EXPECT_GE(reply.header_bytes, 100'000);
  EXPECT_EQ(reply.body.size(), 10000U);
  EXPECT_TRUE(is_body_prefix(reply.body));
  // The answer is whole, so the connection serves the next request.
  EXPECT_EQ(client.fetch(server.base_url() + "/todos/1").new_connections, 0);
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().requests, 2U);
  EXPECT_EQ(server.stats().faults, 1U);
}

// The value of the last answer's header `name` on `handle`, empty when it has none.
std::string header_of(CURL* handle, const char* name) {
  curl_header* header = nullptr;
  if (curl_easy_header(handle, name, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) return {};
  return header->value;
}

std::string raw_get(const Server& server, std::string_view target, std::size_t max_bytes) {
  return test::raw_exchange(
      server.port(), "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n", max_bytes);
}

TEST(ServerFaultTest, HugeHeaderIsOneTenMebibyteLineThenAClose) {
  Server server({});
  constexpr std::size_t kLine = std::size_t{10} << 20U;
  const auto answer = raw_get(server, "/todos/1?fault=huge-header", 2 * kLine);
  const std::string_view start = "HTTP/1.1 200 OK\r\nX-Huge: ";
  ASSERT_EQ(answer.substr(0, start.size()), start);
  // The line's value runs unbroken for 10 MiB, and the answer ends with the header.
  EXPECT_EQ(answer.find("\r\n", start.size()), start.size() + kLine);
  EXPECT_EQ(answer.find_first_not_of('h', start.size()), start.size() + kLine);
  EXPECT_TRUE(answer.ends_with("\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
      << answer.substr(answer.size() - std::min<std::size_t>(answer.size(), 100));
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().faults, 1U);
  EXPECT_EQ(server.stats().bytes_sent, 0U);
}

TEST(ServerFaultTest, EndlessInterimAnswersRunUntilTheClientLeaves) {
  Server server({});
  constexpr std::size_t kEnough = std::size_t{1} << 20U;
  const auto answer = raw_get(server, "/todos/1?fault=endless-1xx", kEnough);
  ASSERT_EQ(answer.size(), kEnough);
  const std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
  for (std::size_t at = 0; at + interim.size() <= answer.size(); at += interim.size()) {
    ASSERT_EQ(std::string_view(answer).substr(at, interim.size()), interim) << "at byte " << at;
  }
  // The client's close fails one of the server's next writes, which ends the answer.
  EXPECT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().requests, 1U);
  EXPECT_EQ(server.stats().faults, 1U);
}

TEST(ServerFaultTest, RateLimitFarAnnouncesNothingLeftForADayInEitherForm) {
  Server server({});
  HttpClient client;
  const auto ietf = client.fetch(server.base_url() + "/todos/1?fault=ratelimit-far");
  ASSERT_EQ(ietf.code, CURLE_OK);
  EXPECT_EQ(ietf.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ietf.body).at("id"), 1);
  EXPECT_EQ(header_of(client.handle(), "RateLimit"), "\"default\";r=0;t=100000");
  EXPECT_EQ(header_of(client.handle(), "X-RateLimit-Reset"), "");
  const auto x = client.fetch(server.base_url() + "/todos/1?fault=ratelimit-far&form=x");
  ASSERT_EQ(x.code, CURLE_OK);
  EXPECT_EQ(header_of(client.handle(), "X-RateLimit-Remaining"), "0");
  EXPECT_EQ(header_of(client.handle(), "X-RateLimit-Reset"), "100000");
  EXPECT_EQ(header_of(client.handle(), "RateLimit"), "");
  EXPECT_EQ(x.new_connections, 0);  // a whole answer keeps its connection
  EXPECT_EQ(fetch(server.base_url() + "/todos/1?fault=ratelimit-far&form=y").status, 400);
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().faults, 2U);
}

TEST(ServerFaultTest, RedirectNoLocationIsA302WithoutLocation) {
  Server server({});
  HttpClient client;
  const auto reply = client.fetch(server.base_url() + "/todos/1?fault=redirect-no-location");
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 302);
  EXPECT_EQ(header_of(client.handle(), "Location"), "");
  EXPECT_EQ(nlohmann::json::parse(reply.body).at("status"), 302);
  // Even on a route that redirects.
  client.fetch(server.base_url() + "/redirect/2?fault=redirect-no-location");
  EXPECT_EQ(header_of(client.handle(), "Location"), "");
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().faults, 2U);
}

TEST(ServerFaultTest, EndlessBodyRunsUntilTheClientStops) {
  Server server({});
  constexpr std::size_t kEnough = std::size_t{1} << 20U;
  HttpClient client(kEnough);
  const auto reply = client.fetch(server.base_url() + "/todos/1?fault=endless");
  EXPECT_EQ(reply.code, CURLE_WRITE_ERROR);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_length, -1);  // chunked: no length
  EXPECT_GE(reply.body.size(), kEnough);
  EXPECT_TRUE(is_body_prefix(reply.body));
  // A failed transfer closes its connection, and the server's next write fails.
  EXPECT_TRUE(in_flight_drains(server));
  EXPECT_GE(server.stats().bytes_sent, kEnough);
  EXPECT_EQ(server.stats().faults, 1U);
}

TEST(ServerFaultTest, UnavailableAndTooManyRequestsSayWhenToRetry) {
  Server server({});
  for (const auto* fault : {"503", "429"}) {
    const auto url = server.base_url() + "/bytes/100?fault=" + fault;
    const auto reply = fetch(url + "&retry_after=7");
    ASSERT_EQ(reply.code, CURLE_OK);
    EXPECT_EQ(reply.status, std::stol(fault));
    EXPECT_EQ(reply.retry_after, 7);
    EXPECT_EQ(nlohmann::json::parse(reply.body).at("status"), std::stoi(fault));
    EXPECT_EQ(fetch(url).retry_after, 1);
  }
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().faults, 4U);
}

TEST(ServerFaultTest, RetryAfterDateIsThatManySecondsAway) {
  Server server({});
  const auto reply = fetch(server.base_url() + "/todos/1?fault=503&retry_after_date=30");
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 503);
  // The date has whole seconds, and a second may tick between server and client.
  EXPECT_GE(reply.retry_after, 29);
  EXPECT_LE(reply.retry_after, 31);
}

TEST(ServerFaultTest, HttpDateIsImfFixdate) {
  using namespace std::chrono;
  EXPECT_EQ(detail::http_date(system_clock::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  const auto time =
      sys_days{year{2026} / October / 21} + hours{7} + minutes{28} + seconds{0} + milliseconds{999};
  EXPECT_EQ(detail::http_date(time), "Wed, 21 Oct 2026 07:28:00 GMT");
  EXPECT_EQ(detail::http_date(sys_days{year{2024} / February / 29} + seconds{59}),
            "Thu, 29 Feb 2024 00:00:59 GMT");
}

TEST(ServerFaultTest, TruncateClosesCleanlyAfterTheFraction) {
  Server server({});
  const auto quarter = fetch(server.base_url() + "/bytes/10000?fault=truncate&fraction=0.25");
  EXPECT_EQ(quarter.code, CURLE_PARTIAL_FILE);
  EXPECT_EQ(quarter.status, 200);
  EXPECT_EQ(quarter.content_length, 10000);
  EXPECT_EQ(quarter.body.size(), 2500U);
  EXPECT_TRUE(is_body_prefix(quarter.body));
  const auto half = fetch(server.base_url() + "/bytes/10000?fault=truncate");
  EXPECT_EQ(half.code, CURLE_PARTIAL_FILE);
  EXPECT_EQ(half.body.size(), 5000U);
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().bytes_sent, 7500U);
}

TEST(ServerFaultTest, HeadAnswersEndAfterTheHeader) {
  Server server({});
  HttpClient client;
  curl_easy_setopt(client.handle(), CURLOPT_NOBODY, 1L);
  for (const auto* fault : {"truncate", "endless"}) {
    const auto reply = client.fetch(server.base_url() + "/bytes/10000?fault=" + fault);
    EXPECT_EQ(reply.code, CURLE_OK) << fault;
    EXPECT_EQ(reply.status, 200) << fault;
    EXPECT_TRUE(reply.body.empty()) << fault;
  }
  // Both answers said Connection: close, and the endless one, stalled after its header, ends
  // when curl closes.
  EXPECT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().faults, 2U);
}

TEST(ServerFaultTest, FaultTimesLimitsTheFaultToTheFirstRequests) {
  Server server({});
  const auto url = server.base_url() + "/todos/1?fault=503&fault_times=1";
  EXPECT_EQ(fetch(url).status, 503);
  EXPECT_EQ(fetch(url).status, 200);
  EXPECT_EQ(fetch(url).status, 200);
  // Counted per exact target: another query starts its own count.
  const auto twice = server.base_url() + "/todos/1?fault=429&fault_times=2";
  EXPECT_EQ(fetch(twice).status, 429);
  EXPECT_EQ(fetch(twice).status, 429);
  EXPECT_EQ(fetch(twice).status, 200);
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().requests, 6U);
  EXPECT_EQ(server.stats().faults, 3U);
}

TEST(ServerFaultTest, BadFaultParametersAre400) {
  Server server({});
  const auto base = server.base_url() + "/todos/1?";
  for (const char* query :
       {"fault=bogus", "fault=", "fault=503&fault_times=x", "fault_times=1",
        "fault=503&fault_times=-1", "fraction=2", "fraction=-0.1", "fraction=nan",
        "fraction=", "fault=503&retry_after=x", "fault=503&retry_after=86401",
        "fault=503&retry_after=-1", "fault=503&retry_after=1&retry_after_date=1"}) {
    const auto reply = fetch(base + query);
    EXPECT_EQ(reply.status, 400) << query;
    EXPECT_TRUE(nlohmann::json::parse(reply.body).contains("error")) << query;
  }
  for (const char* query : {"fault=503&retry_after=0", "fault=503&retry_after_date=86400",
                            "fault=429&fault_times=0&fraction=1"}) {
    EXPECT_NE(fetch(base + query).status, 400) << query;
  }
  EXPECT_EQ(server.stats().faults, 2U);
}

TEST(ServerFaultTest, StatsJsonCountsFaultsButStatsIsNeverFaulted) {
  Server server({.faults = {{.fault = Fault::ResetBefore, .share = 1}}});
  EXPECT_NE(fetch(server.base_url() + "/todos/1").code, CURLE_OK);
  const auto stats = fetch(server.base_url() + "/_stats?fault=reset-before");
  ASSERT_EQ(stats.code, CURLE_OK);
  const auto json = nlohmann::json::parse(stats.body);
  EXPECT_EQ(json.at("faults"), 1);
  EXPECT_EQ(json.at("requests"), 1);
}

// The fault a client saw for each of `count` requests to a server with 503=0.5.
std::vector<bool> unavailable_answers(std::uint64_t seed, int count) {
  Server server({.seed = seed, .faults = {{.fault = Fault::ServiceUnavailable, .share = 0.5}}});
  HttpClient client;
  std::vector<bool> faulted;
  for (int i = 0; i < count; ++i) {
    const auto reply = client.fetch(server.base_url() + "/todos/1");
    EXPECT_EQ(reply.code, CURLE_OK);
    faulted.push_back(reply.status == 503);
  }
  EXPECT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().faults,
            static_cast<std::uint64_t>(std::count(faulted.begin(), faulted.end(), true)));
  return faulted;
}

TEST(ServerFaultTest, ShareOfRequestsIsFaultedDeterministically) {
  const auto first = unavailable_answers(42, 200);
  const auto count = std::count(first.begin(), first.end(), true);
  // A binomial(200, 0.5) lands outside 60..140 with odds below 1e-8.
  EXPECT_GE(count, 60);
  EXPECT_LE(count, 140);
  EXPECT_EQ(unavailable_answers(42, 200), first);
  EXPECT_NE(unavailable_answers(43, 200), first);
}

TEST(ServerFaultTest, OwnFaultParameterOverridesTheShare) {
  Server server({.faults = {{.fault = Fault::ServiceUnavailable, .share = 1}}});
  EXPECT_EQ(fetch(server.base_url() + "/todos/1").status, 503);
  EXPECT_EQ(fetch(server.base_url() + "/todos/1?fault=429").status, 429);
  // fault_times ends the request's own fault; the mix does not take over.
  const auto once = server.base_url() + "/todos/1?fault=429&fault_times=1";
  EXPECT_EQ(fetch(once).status, 429);
  EXPECT_EQ(fetch(once).status, 200);
}

TEST(ServerFaultTest, ParseFaultMixAcceptsSharesUpToOne) {
  const auto mix = parse_fault_mix("reset-mid=0.01,503=0.005,truncate=0.005");
  ASSERT_TRUE(mix.has_value()) << mix.error();
  ASSERT_EQ(mix->size(), 3U);
  EXPECT_EQ((*mix)[0].fault, Fault::ResetMid);
  EXPECT_DOUBLE_EQ((*mix)[0].share, 0.01);
  EXPECT_EQ((*mix)[1].fault, Fault::ServiceUnavailable);
  EXPECT_EQ((*mix)[2].fault, Fault::Truncate);
  for (const char* good : {"", "429=1", "stall=0", "endless=0.1,bad-status=0.2,huge-headers=0.7",
                           "reset-before=1e-3"}) {
    EXPECT_TRUE(parse_fault_mix(good).has_value()) << good;
  }
}

TEST(ServerFaultTest, ParseFaultMixNamesTheBadItem) {
  struct Bad {
    const char* text;
    const char* named;
  };
  for (const auto& [text, named] : std::vector<Bad>{{"bogus=0.1", "'bogus=0.1'"},
                                                    {"503", "'503'"},
                                                    {"503=", "'503='"},
                                                    {"503=1.5", "'503=1.5'"},
                                                    {"503=-0.1", "'503=-0.1'"},
                                                    {"503=nan", "'503=nan'"},
                                                    {"503=0.5,", "''"},
                                                    {",503=0.5", "''"},
                                                    {"503 = 0.5", "'503 = 0.5'"},
                                                    {"503=0.6,429=0.6", "429=0.6"},
                                                    {"503=0.1,503=0.1", "503"}}) {
    const auto mix = parse_fault_mix(text);
    ASSERT_FALSE(mix.has_value()) << text;
    EXPECT_NE(mix.error().find(named), std::string::npos) << text << ": " << mix.error();
  }
}

TEST(ServerFaultTest, InvalidMixInConfigThrowsUsageError) {
  EXPECT_THROW(Server({.faults = {{.fault = Fault::Stall, .share = 1.5}}}), UsageError);
  EXPECT_THROW(Server({.faults = {{.fault = Fault::None, .share = 0.1}}}), UsageError);
  EXPECT_THROW(Server({.faults = {{.fault = Fault::Stall, .share = 0.6},
                                  {.fault = Fault::Endless, .share = 0.6}}}),
               UsageError);
}

TEST(ServerFaultTest, StopEndsStalledAndEndlessAnswersPromptly) {
  Server server({});
  // Patient clients, so that only the server's stop can end their transfers.
  const auto patient = [](std::string url) {
    return std::async(std::launch::async, [url = std::move(url)] { return fetch(url); });
  };
  auto stalled = patient(server.base_url() + "/bytes/100?fault=stall");
  auto endless = patient(server.base_url() + "/bytes/100?fault=endless");
  ASSERT_TRUE(eventually([&] { return server.stats().in_flight == 2; }));
  // A stop that waited for these answers would never return (neither ends by itself), and
  // the clients would never finish: ctest's limit fails the test then. No clock is read.
  server.stop();
  ASSERT_EQ(stalled.wait_for(std::chrono::seconds{30}), std::future_status::ready);
  ASSERT_EQ(endless.wait_for(std::chrono::seconds{30}), std::future_status::ready);
  EXPECT_NE(stalled.get().code, CURLE_OK);
  EXPECT_NE(endless.get().code, CURLE_OK);
}

TEST(ServerFaultTest, EveryFaultAtOnceOnManyThreadsLeavesNothingInFlight) {
  Server server({.threads = 3,
                 .faults = {{.fault = Fault::ResetBefore, .share = 0.1},
                            {.fault = Fault::ResetMid, .share = 0.1},
                            {.fault = Fault::Stall, .share = 0.1},
                            {.fault = Fault::BadStatus, .share = 0.1},
                            {.fault = Fault::HugeHeaders, .share = 0.1},
                            {.fault = Fault::Endless, .share = 0.1},
                            {.fault = Fault::ServiceUnavailable, .share = 0.1},
                            {.fault = Fault::TooManyRequests, .share = 0.1},
                            {.fault = Fault::Truncate, .share = 0.05},
                            {.fault = Fault::HugeHeaderLine, .share = 0.01},
                            {.fault = Fault::EndlessInterim, .share = 0.02},
                            {.fault = Fault::RateLimitFar, .share = 0.01},
                            {.fault = Fault::RedirectNoLocation, .share = 0.01}}});
  constexpr std::size_t kRequests = 100;
  const std::vector<std::string> urls(kRequests, server.base_url() + "/bytes/100000");
  // Impatient clients whose bodies stop at 1 MiB, so that every fault mode ends on the
  // client's side.
  const auto replies = test::fetch_all(urls, std::size_t{1} << 20U, give_up_below_a_byte_a_second);
  const auto ok = std::count_if(replies.begin(), replies.end(),
                                [](const Reply& reply) { return reply.code == CURLE_OK; });
  // Clean answers (none, huge-headers, 503, 429, ratelimit-far, redirect-no-location) end OK;
  // every other fault fails the transfer.
  EXPECT_GT(ok, 0);
  EXPECT_LT(ok, static_cast<std::ptrdiff_t>(kRequests));
  ASSERT_TRUE(in_flight_drains(server));
  EXPECT_EQ(server.stats().requests, kRequests);
  EXPECT_GT(server.stats().faults, server.stats().requests / 2);
}

TEST(ServerFaultTest, ServeRejectsABadFaultsOption) {
  const auto bad = test::run_child(SLUICE_BINARY, {"serve", "--faults", "503=0.5,bogus=0.1"}, {},
                                   std::chrono::seconds{10});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--faults"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("bogus=0.1"), std::string::npos) << bad.err;
  // 3 s for its first line, as in CliTest.ServePrintsItsAddressFirst: a sanitized build on a
  // busy machine starts slowly.
  const auto good = test::run_child(SLUICE_BINARY, {"serve", "--port", "0", "--faults", "503=0.5"},
                                    {}, std::chrono::seconds{3});
  EXPECT_TRUE(good.timed_out);  // it serves until a signal
  EXPECT_EQ(good.out.rfind("listening on http://127.0.0.1:", 0), 0U) << good.out << good.err;
}

}  // namespace
}  // namespace sluice
