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
  // Only upper bounds on the bytes per window of the server's clock: a busy machine moves
  // fewer bytes, never more. How close to the cap the run stays (the 3 % on average)
  // is measured by bench/flow_bench.py --parts bandwidth.
  // The last bin is partly empty, so the average counts the others only. The first 70 ms of
  // the cap (the bucket and the receive buffers) come on top, under 1 % of the run.
  const double seconds = static_cast<double>(bins.size() - 1) / 10.0;
  const double average = (total - static_cast<double>(bins.back())) / seconds;
  EXPECT_LE(average / cap, 1.05) << "average " << average << " B/s over " << seconds << " s; wall "
                                 << report.wall_ms << " ms";
  // The bounds are 110 % of the cap in 1 s windows and 150 % in 250 ms ones (measured
  // as the 300 ms of three bins); these leave room for a tick of the bins' timer that runs
  // late by up to 150 ms. A cap per transfer, or a bucket a second deep, breaks both (the
  // benchmark measured 207 % and 456 % for the latter).
  const double second = static_cast<double>(test::busiest_window(bins, 10)) / cap;
  const double short_window = static_cast<double>(test::busiest_window(bins, 3)) / (cap * 0.3);
  EXPECT_LE(second, 1.25);
  EXPECT_LE(short_window, 1.75);
  RecordProperty("average_of_cap", std::to_string(average / cap));
  RecordProperty("busiest_1s_of_cap", std::to_string(second));
  RecordProperty("busiest_300ms_of_cap", std::to_string(short_window));
}

// The window budget counts a transfer as a receiver only while its body flows: under a cap
// far above what the bodies need, transfers that wait for a slow server all wait at once,
// as without the cap (counting them as receivers made -c 20 run like -c 2).
TEST_P(FlowControlTest, BandwidthCapKeepsTransfersWaitingForTheirServerInFlight) {
  ServerConfig slow;
  slow.latency = 50ms;
  const Server server(slow);
  auto capped = options(20);
  capped.max_bandwidth = 10 * 1024 * 1024;  // --max-bandwidth 10M; the bodies need 400 kB
  test::CollectingSink sink;
  fetch(capped, {server.base_url() + "/bytes/2000?n={1..200}"}, sink);
  ASSERT_EQ(sink.size(), 200u);
  for (const auto& record : sink.records()) EXPECT_TRUE(record.ok) << record.url;
  // Not all 20: the ramp spaces starts by a window's drain time while the first wait.
  EXPECT_GE(server.stats().peak_in_flight, 15u);
  RecordProperty("peak_in_flight", std::to_string(server.stats().peak_in_flight));
}

// The most requests that arrived at `server` in any `bins` consecutive 100 ms.
std::uint64_t busiest_requests(const Server& server, std::size_t bins) {
  return test::busiest_window(server.request_bins(), bins);
}

// Only upper bounds on the rate: a busy machine starts fewer requests, never more. How close
// to the rate the starts keep is measured by bench/flow_bench.py --parts rate.
TEST_P(FlowControlTest, RequestStartsKeepToTheRate) {
  Server server(ServerConfig{});
  auto limited = options(20);
  limited.rate = 100;  // --rate 100/s
  test::CollectingSink sink;
  const auto started = std::chrono::steady_clock::now();
  fetch(limited, {server.base_url() + "/todos/{1..300}"}, sink);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_EQ(sink.size(), 300u);
  EXPECT_EQ(server.stats().requests, 300u);
  // The bucket holds one request, so 300 starts need 299 intervals of 10 ms.
  EXPECT_GE(elapsed, 2990ms);
  // No second at the server over 100 + the burst of 1, with half again for starts that a
  // stalled client sends together and for the time a request takes to arrive; without the
  // rate, 20 slots send the 300 in a few bins.
  EXPECT_LE(busiest_requests(server, 10), 150u);
}

// At 500/s the bucket's one token lasts 2 ms, and the engines reserve each start on the
// bucket's schedule so that a late wake-up does not cost the starts after it; reserving must
// not let more through. That the average rate is kept (an engine that only took tokens
// already there reached 92 % of it) is a lower bound on speed, which a busy machine decides:
// bench/flow_bench.py --parts rate measures it (99.6 % and 99.9 % at 500/s).
TEST_P(FlowControlTest, ManyReservedStartsStayWithinTheRate) {
  Server server(ServerConfig{});
  auto limited = options(50);
  limited.rate = 500;
  test::CollectingSink sink;
  const auto started = std::chrono::steady_clock::now();
  fetch(limited, {server.base_url() + "/todos/{1..1000}"}, sink);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  ASSERT_EQ(sink.size(), 1000u);
  EXPECT_EQ(server.stats().requests, 1000u);
  EXPECT_GE(elapsed, 1998ms);
  // Half again over 500 in a second, as above.
  EXPECT_LE(busiest_requests(server, 10), 750u);
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
  test::CollectingSink sink;
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

// One run over `urls` /todos URLs against `server`.
FetchReport run_todos(const Server& server, const Options& options, std::size_t urls) {
  test::CollectingSink sink;
  const auto report =
      fetch(options, {server.base_url() + "/todos/{1.." + std::to_string(urls) + "}"}, sink);
  EXPECT_EQ(sink.size(), urls);
  return report;
}

TEST_P(FlowControlTest, AutoConcurrencyFindsTheServersCapacity) {
  // -c auto learns from the latencies it sees, which a busy machine stretches too: answers of
  // 100 ms keep that a smaller part of them than answers of 50 ms.
  ServerConfig overloadable;
  overloadable.latency = 100ms;
  overloadable.capacity = 50;
  const Server server(overloadable);
  auto adaptive = options(1);
  adaptive.adaptive_concurrency = true;
  // About 6 s: the limit settles within 3 s, at about 78, where answers take 1.56 times the
  // unloaded latency.
  const auto report = run_todos(server, adaptive, 2000);

  // The targets, 90 % of the best fixed -c's throughput and a p99 under twice the
  // unloaded latency, are throughput and time, which a busy machine decides: the benchmark
  // measures them (bench/flow_bench.py --parts auto; docs/benchmarks.md: 95.6-96.3 %, p99
  // 92-94 ms in release). What the server saw: -c auto found its capacity (50 in flight),
  // and kept at least the half of it that the re-measurement of the unloaded latency (every
  // 10 s) leaves, should a slow run end in it...
  const auto stats = server.stats();
  EXPECT_GE(stats.peak_in_flight, 40u);
  EXPECT_GE(report.final_limit, 35u);
  // ...and did not flood it. How far above the capacity it settles depends on the unloaded
  // latency it measured at the start, which a busy machine stretches (two busy loops and
  // other builds took a run to 173 in flight, and at answers of 50 ms one to 201, where the
  // server answered 48 requests with 503), so only a flood is asserted: a limit that climbed
  // towards its maximum of 1000 would keep far more than 4 x 50 in flight, and the server
  // would turn away a large share of the requests.
  EXPECT_LE(stats.overloaded * 20, stats.requests) << stats.overloaded << " answered 503";
  RecordProperty("final_limit", std::to_string(report.final_limit));
  RecordProperty("peak_in_flight", std::to_string(stats.peak_in_flight));
  RecordProperty("server_p99_ms", std::to_string(stats.p99_ms));
}

TEST_P(FlowControlTest, AutoConcurrencyClimbsToItsMaximumOnAServerWithoutALimit) {
  // Answers of 100 ms, so that 100 in flight ask 1000 requests a second of the client, which a
  // busy machine still serves without stretching the latencies -c auto learns from (at 20 ms,
  // 5000 a second, two busy loops held a run to 60).
  ServerConfig flat;
  flat.latency = 100ms;
  const Server server(flat);
  auto adaptive = options(1);
  adaptive.adaptive_concurrency = true;
  adaptive.max_concurrency = 100;
  const auto report = run_todos(server, adaptive, 3000);
  RecordProperty("final_limit", std::to_string(report.final_limit));
  RecordProperty("peak_in_flight", std::to_string(server.stats().peak_in_flight));
  // It got near the maximum and never past it: a loaded machine's latency jitter may take
  // the last step back (ThreadSanitizer with other tests running ended at 99), and slow a
  // freed slot's next request enough that not all 100 meet at the server. It did not fall
  // back either: a run that a busy machine stretches past 10 s may end in the re-measurement
  // of the unloaded latency, which halves the limit, but never below that.
  EXPECT_LE(server.stats().peak_in_flight, 100u);
  EXPECT_GE(server.stats().peak_in_flight, 90u);
  EXPECT_GE(report.final_limit, 50u);
}

}  // namespace
}  // namespace sluice
