// The run's caps as the server sees them, on both engines: one bandwidth cap over all
// transfers, held on the wire (bytes the client's kernel acknowledged, per 100 ms), and the
// request rate.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <numeric>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/bins.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

class FlowControlTest : public test::EngineTest {};

INSTANTIATE_TEST_SUITE_P(Engines, FlowControlTest, test::both_engines(), test::engine_test_name);

TEST_P(FlowControlTest, OneBandwidthCapHoldsOverAllTransfersOnTheWire) {
  Server server(ServerConfig{});
  auto capped = options(10);
  capped.max_bandwidth = 20 * 1024 * 1024;  // --max-bandwidth 20M
  test::CollectingSink sink;
  // 200 MB over 10 parallel transfers.
  const auto report = fetch(capped, {server.base_url() + "/bytes/20000000?n={1..10}"}, sink);
  ASSERT_EQ(sink.size(), 10u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;

  // The bins from the first to the last that saw bytes: the run as the wire saw it.
  auto bins = server.acked_bins();
  const auto first = std::find_if(bins.begin(), bins.end(), [](auto b) { return b > 0; });
  bins.erase(bins.begin(), first);
  ASSERT_GE(bins.size(), 50u);
  const double cap = static_cast<double>(capped.max_bandwidth);
  const double total = static_cast<double>(std::accumulate(bins.begin(), bins.end(), 0ULL));
  // The server misses what is acknowledged after its last look at a closing connection.
  EXPECT_GE(total, 0.99 * 200e6);
  // The last bin is partly empty, so the average counts the others only.
  const double seconds = static_cast<double>(bins.size() - 1) / 10.0;
  const double average = (total - static_cast<double>(bins.back())) / seconds;
  EXPECT_NEAR(average / cap, 1.0, 0.03)
      << "average " << average << " B/s over " << seconds << " s; wall " << report.wall_ms << " ms";
  // 1 s windows within 110 % of the cap; 250 ms windows, measured as the 300 ms of three
  // bins, within 150 %.
  const double second = static_cast<double>(test::busiest_window(bins, 10)) / cap;
  const double short_window = static_cast<double>(test::busiest_window(bins, 3)) / (cap * 0.3);
  EXPECT_LE(second, 1.10);
  EXPECT_LE(short_window, 1.50);
  RecordProperty("average_of_cap", std::to_string(average / cap));
  RecordProperty("busiest_1s_of_cap", std::to_string(second));
  RecordProperty("busiest_300ms_of_cap", std::to_string(short_window));
}

// Notes when each record arrives; for answers without delay that is just after the start.
class TimingSink final : public RecordSink {
 public:
  void on_record(Record&&) override {
    std::lock_guard lock(mutex_);
    times_.push_back(std::chrono::steady_clock::now());
  }
  // The most records that arrived within any `window`.
  std::size_t busiest(std::chrono::nanoseconds window) const {
    std::lock_guard lock(mutex_);
    std::size_t best = 0;
    for (std::size_t first = 0, last = 0; last < times_.size(); ++last) {
      while (times_[last] - times_[first] >= window) ++first;
      best = std::max(best, last - first + 1);
    }
    return best;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return times_.size();
  }
  // The time from the `first`th record to the `last`th (counted from 0).
  std::chrono::nanoseconds between(std::size_t first, std::size_t last) const {
    std::lock_guard lock(mutex_);
    return times_.at(last) - times_.at(first);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::chrono::steady_clock::time_point> times_;  // guarded by mutex_
};

TEST_P(FlowControlTest, RequestStartsKeepToTheRate) {
  Server server(ServerConfig{});
  auto limited = options(20);
  limited.rate = 100;  // --rate 100/s
  TimingSink sink;
  const auto started = std::chrono::steady_clock::now();
  fetch(limited, {server.base_url() + "/todos/{1..300}"}, sink);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_EQ(sink.size(), 300u);
  // No 1 s window over 100 + the burst of 1. A record arrives a little after its start, and
  // that delay varies (CI measured one 1 s window of 102 records): records within 1 s − J
  // started within 1 s when no record lags its start by more than J, here 50 ms.
  EXPECT_LE(sink.busiest(1s - 50ms), 101u);
  // The bucket holds one request, so 300 starts need 299 intervals of 10 ms.
  EXPECT_GE(elapsed, 2990ms);
  EXPECT_LT(elapsed, 6s);
  EXPECT_EQ(server.stats().requests, 300u);
}

// A start that wakes late must not cost the starts after it: at 500/s the bucket's one
// token lasts 2 ms, and an engine that only takes tokens already there loses each late
// wake-up for good (the event loop reached 92 % of the rate that way).
TEST_P(FlowControlTest, ManyStartsKeepTheirAverageRate) {
  Server server(ServerConfig{});
  auto limited = options(50);
  limited.rate = 500;
  TimingSink sink;
  const auto started = std::chrono::steady_clock::now();
  fetch(limited, {server.base_url() + "/todos/{1..1000}"}, sink);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_EQ(sink.size(), 1000u);
  EXPECT_GE(elapsed, 1998ms);
  EXPECT_LT(elapsed, 4s);
#ifndef SLUICE_SANITIZED  // the sanitizers make each start slower than 2 ms at times
  // The middle 800 starts, 1.6 s at the rate: the start-up and the last transfers, which a
  // busy machine slows, stay out, and a late wake-up in between is made up at once. The
  // event loop's old 92 % took 1.74 s.
  EXPECT_LT(sink.between(100, 900), 1700ms) << "under 94 % of --rate 500/s";
#endif
}

// Three servers, one per loopback address, standing for three hosts.
struct ThreeHosts {
  Server first{ServerConfig{.address = "127.0.0.1"}};
  Server second{ServerConfig{.address = "127.0.0.2"}};
  Server third{ServerConfig{.address = "127.0.0.3"}};
};

// Remembers the order in which URLs finished.
class OrderSink final : public RecordSink {
 public:
  void on_record(Record&& record) override {
    std::lock_guard lock(mutex_);
    urls_.push_back(std::move(record.url));
  }
  std::vector<std::string> urls() const {
    std::lock_guard lock(mutex_);
    return urls_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> urls_;  // guarded by mutex_
};

TEST_P(FlowControlTest, PerHostCapHoldsAndTheSmallHostsAreNotStuckBehindTheBigOne) {
  ThreeHosts hosts;
  auto capped = options(10);
  capped.per_host = 2;
  OrderSink sink;
  // 90 % of the list is the first host, and it comes first.
  fetch(capped,
        {hosts.first.base_url() + "/todos/{1..90}?delay=50ms",
         hosts.second.base_url() + "/todos/{1..5}?delay=50ms",
         hosts.third.base_url() + "/todos/{1..5}?delay=50ms"},
        sink);

  const auto urls = sink.urls();
  ASSERT_EQ(urls.size(), 100u);
  for (const Server* server : {&hosts.first, &hosts.second, &hosts.third}) {
    EXPECT_LE(server->stats().peak_in_flight, 2u) << server->base_url();
  }
  EXPECT_EQ(hosts.first.stats().peak_in_flight, 2u);
  // The small hosts ran beside the big one: all ten of their URLs were done while the big
  // host (2 at a time, 45 rounds) had finished at most a third of its own.
  std::size_t last_small = 0;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    if (!urls[i].starts_with(hosts.first.base_url())) last_small = i;
  }
  EXPECT_LT(last_small, 40u);
}

TEST_P(FlowControlTest, RetryAfterPausesItsHostOnly) {
  ThreeHosts hosts;
  auto capped = options(10);
  capped.per_host = 5;
  capped.retry_backoff = 10ms;
  TimingSink sink;
  const auto started = std::chrono::steady_clock::now();
  fetch(capped,
        {hosts.first.base_url() + "/todos/1?fault=503&retry_after=1&fault_times=1",
         hosts.first.base_url() + "/todos/{2..4}?delay=300ms",
         hosts.second.base_url() + "/todos/{1..20}"},
        sink);

  ASSERT_EQ(sink.size(), 24u);
  // The first host waited out its second; the other host did not.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(hosts.second.stats().requests, 20u);
  EXPECT_EQ(hosts.first.stats().requests, 5u);  // the 503, its retry and three others
}

// Requests per second of one run over `urls` /todos URLs against `server`.
double throughput(const Server& server, const Options& options, std::size_t urls,
                  FetchReport* report = nullptr) {
  test::CollectingSink sink;
  const auto result =
      fetch(options, {server.base_url() + "/todos/{1.." + std::to_string(urls) + "}"}, sink);
  EXPECT_EQ(sink.size(), urls);
  if (report != nullptr) *report = result;
  return static_cast<double>(urls) / (result.wall_ms / 1000.0);
}

TEST_P(FlowControlTest, AutoConcurrencyFindsTheServersCapacity) {
  ServerConfig overloadable;
  overloadable.latency = 50ms;
  overloadable.capacity = 50;
  // The best fixed -c, from a sweep on a server of its own.
  double best_fixed = 0;
  {
    const Server sweep_server(overloadable);
    for (const std::size_t c : {25U, 50U, 100U}) {
      best_fixed = std::max(best_fixed, throughput(sweep_server, options(c), 2000));
    }
  }
  const Server server(overloadable);
  auto adaptive = options(1);
  adaptive.adaptive_concurrency = true;
  FetchReport report;
  const double found = throughput(server, adaptive, 8000, &report);

  // The targets, 90 % of the best throughput and a p99 under twice the unloaded
  // latency, are measured by the benchmark (docs/benchmarks.md: 95.6-96.3 %, p99 92-94 ms in
  // release). This test compares runs made at different moments on a machine that other
  // tests share, so its bounds leave room (an idle dev build measured 91-93 % and a p99 of
  // 87-91 ms), and sanitized builds, which distort the latencies the limit learns from and
  // slow the in-process server's timers, get looser ones (ThreadSanitizer on a loaded
  // machine measured a p99 of 184 ms).
#ifdef SLUICE_SANITIZED
  constexpr double kShareOfBest = 0.75;
  constexpr std::uint64_t kMaxP99Ms = 250;
#else
  constexpr double kShareOfBest = 0.85;
  constexpr std::uint64_t kMaxP99Ms = 125;
#endif
  EXPECT_GE(found, kShareOfBest * best_fixed) << "best fixed " << best_fixed << " req/s";
  // -c auto did not flood the server.
  EXPECT_LT(server.stats().p99_ms, kMaxP99Ms);
  EXPECT_GE(report.final_limit, 40u);
  RecordProperty("auto_req_per_s", std::to_string(found));
  RecordProperty("best_fixed_req_per_s", std::to_string(best_fixed));
  RecordProperty("final_limit", std::to_string(report.final_limit));
  RecordProperty("server_p99_ms", std::to_string(server.stats().p99_ms));
}

TEST_P(FlowControlTest, AutoConcurrencyClimbsToItsMaximumOnAServerWithoutALimit) {
  ServerConfig flat;
  flat.latency = 20ms;
  const Server server(flat);
  auto adaptive = options(1);
  adaptive.adaptive_concurrency = true;
  adaptive.max_concurrency = 100;
  FetchReport report;
  throughput(server, adaptive, 4000, &report);
  // It got near the maximum, never past it, and stayed near it: a loaded machine's latency
  // jitter may take the last step back (ThreadSanitizer with other tests running ended at
  // 99), and slow a freed slot's next request enough that not all 100 meet at the server.
  EXPECT_LE(server.stats().peak_in_flight, 100u);
  EXPECT_GE(server.stats().peak_in_flight, 90u);
  EXPECT_GE(report.final_limit, 90u);
}

}  // namespace
}  // namespace sluice
