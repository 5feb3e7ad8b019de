// Tests for AdaptiveLimit: unit rules with hand-fed samples, and closed-loop simulations of
// servers (no sockets, no sleeps) in which the limit must find the server's capacity.
#include "limit/adaptive_limit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <queue>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using test::ManualTimeSource;

using test::kStart;

// A simulated server: how long a request takes, and whether it fails for overload, given
// how many requests were in flight when it started (itself included).
struct Server {
  nanoseconds base{50ms};
  // Requests the server serves in parallel; beyond that, latency grows linearly:
  // rtt = base x max(1, in_flight / capacity). 0: latency stays flat.
  std::size_t capacity = 0;
  // Above this many in flight, requests fail at once with 503 (taking 5 ms). 0: never.
  std::size_t shed_above = 0;
  // Each latency is multiplied by a uniform factor in [1 - jitter, 1 + jitter].
  double jitter = 0;
  // The base latency from the given time on, when it changes mid-run.
  std::optional<std::pair<TimeSource::time_point, nanoseconds>> base_change;
};

struct Outcome {
  double successes_per_second = 0;
  std::size_t final_limit = 0;
  std::size_t highest_limit = 0;           // over the second half of the run
  double mean_limit = 0;                   // over the second half, per sample
  std::size_t samples_to_reach_limit = 0;  // of `reach`; 0 if never reached
};

// Runs `samples` requests against `server` in closed loop: requests start whenever fewer
// than the limit are in flight, time jumps to the next completion. `limit` is asked before
// each start; `report` hears each finished request.
Outcome simulate(
    const Server& server, std::size_t samples, const std::function<std::size_t()>& limit,
    const std::function<void(nanoseconds, std::size_t, bool, TimeSource::time_point)>& report,
    std::size_t reach = 0) {
  struct Request {
    TimeSource::time_point done;
    nanoseconds rtt;
    std::size_t in_flight_at_start;
    bool dropped;
    bool operator>(const Request& other) const { return done > other.done; }
  };
  std::priority_queue<Request, std::vector<Request>, std::greater<>> in_flight;
  std::mt19937_64 random(42);  // the engine is specified, so runs are reproducible
  TimeSource::time_point now = kStart;
  std::size_t successes = 0;
  Outcome outcome;
  double limit_sum = 0;
  for (std::size_t finished = 0; finished < samples; ++finished) {
    const std::size_t current_limit = limit();
    while (in_flight.size() < current_limit) {
      const std::size_t count = in_flight.size() + 1;
      nanoseconds base = server.base;
      if (server.base_change && now >= server.base_change->first) base = server.base_change->second;
      const bool shed = server.shed_above != 0 && count > server.shed_above;
      double factor = 1;
      if (server.capacity != 0) {
        factor = std::max(1.0, static_cast<double>(count) / static_cast<double>(server.capacity));
      }
      // 53 random bits as a fraction in [0, 1): the same on every standard library.
      const double unit = static_cast<double>(random() >> 11) * 0x1p-53;
      factor *= 1 + server.jitter * (2 * unit - 1);
      const nanoseconds rtt = shed ? nanoseconds(5ms)
                                   : nanoseconds(static_cast<nanoseconds::rep>(
                                         static_cast<double>(base.count()) * factor));
      in_flight.push({now + rtt, rtt, count, shed});
    }
    const Request request = in_flight.top();
    in_flight.pop();
    now = request.done;
    if (!request.dropped) ++successes;
    report(request.rtt, request.in_flight_at_start, request.dropped, now);
    const std::size_t after = limit();
    if (reach != 0 && outcome.samples_to_reach_limit == 0 && after >= reach) {
      outcome.samples_to_reach_limit = finished + 1;
    }
    if (finished >= samples / 2) {
      outcome.highest_limit = std::max(outcome.highest_limit, after);
      limit_sum += static_cast<double>(after);
    }
  }
  outcome.successes_per_second =
      static_cast<double>(successes) / std::chrono::duration<double>(now - kStart).count();
  outcome.final_limit = limit();
  outcome.mean_limit = limit_sum / static_cast<double>(samples - samples / 2);
  return outcome;
}

Outcome simulate_adaptive(const Server& server, std::size_t samples,
                          AdaptiveLimitSettings settings = {}, std::size_t reach = 0) {
  AdaptiveLimit adaptive(settings);
  return simulate(
      server, samples, [&] { return adaptive.limit(); },
      [&](nanoseconds rtt, std::size_t in_flight, bool dropped, TimeSource::time_point now) {
        adaptive.on_sample(rtt, in_flight, dropped, now);
      },
      reach);
}

double best_fixed_throughput(const Server& server, std::size_t samples) {
  double best = 0;
  for (const std::size_t fixed :
       {5uz, 10uz, 20uz, 30uz, 40uz, 50uz, 60uz, 75uz, 100uz, 150uz, 200uz, 400uz, 1000uz}) {
    const Outcome outcome = simulate(
        server, samples, [=] { return fixed; }, [](auto...) {});
    best = std::max(best, outcome.successes_per_second);
  }
  return best;
}

// Feeds `count` samples of `rtt` at `now`, each started with the limit fully used.
void feed(AdaptiveLimit& adaptive, std::size_t count, nanoseconds rtt, TimeSource::time_point now) {
  for (std::size_t i = 0; i < count; ++i) adaptive.on_sample(rtt, adaptive.limit(), false, now);
}

// The 20 samples that set the first baseline.
constexpr std::size_t kWarmUp = 20;

TEST(AdaptiveLimitTest, StartsAtTheInitialLimitWithinBounds) {
  EXPECT_EQ(AdaptiveLimit().limit(), 10u);
  EXPECT_EQ(AdaptiveLimit({.initial = 0, .max = 1000}).limit(), 1u);
  EXPECT_EQ(AdaptiveLimit({.initial = 50, .max = 20}).limit(), 20u);
  EXPECT_THROW(AdaptiveLimit({.initial = 1, .max = 0}), std::invalid_argument);
}

TEST(AdaptiveLimitTest, HoldsStillUntilItHasABaseline) {
  AdaptiveLimit adaptive;
  feed(adaptive, kWarmUp - 1, 50ms, kStart);
  EXPECT_EQ(adaptive.limit(), 10u);
}

TEST(AdaptiveLimitTest, GrowsByATenthPerSampleWhileLatencyIsFlat) {
  AdaptiveLimit adaptive;
  feed(adaptive, kWarmUp, 50ms, kStart);
  // gradient 1: each sample adds kSmoothing x kHeadroom = 0.1, about 10 % per round trip.
  feed(adaptive, 105, 50ms, kStart);
  EXPECT_EQ(adaptive.limit(), 20u);
}

TEST(AdaptiveLimitTest, IgnoresSamplesWhileTheEngineUsesLessThanHalf) {
  AdaptiveLimit adaptive;
  feed(adaptive, kWarmUp, 50ms, kStart);
  for (int i = 0; i < 200; ++i) adaptive.on_sample(50ms, 4, false, kStart);
  EXPECT_EQ(adaptive.limit(), 10u);
  for (int i = 0; i < 200; ++i) adaptive.on_sample(500ms, 4, false, kStart);
  EXPECT_EQ(adaptive.limit(), 10u);
}

TEST(AdaptiveLimitTest, CutsWhenLatencyRisesWellAboveTheBaseline) {
  AdaptiveLimit adaptive({.initial = 100, .max = 1000});
  feed(adaptive, kWarmUp, 50ms, kStart);
  // 1.25 x 50 ms is tolerated; at 100 ms the target is 100 x (0.625 + 0.2) = 82.5.
  feed(adaptive, 300, 100ms, kStart);
  EXPECT_LT(adaptive.limit(), 90u);
  EXPECT_GT(adaptive.limit(), 50u);  // the gradient's floor of 0.5 bounds each step
}

TEST(AdaptiveLimitTest, BacksOffOncePerRoundTripOfDrops) {
  AdaptiveLimit adaptive;
  feed(adaptive, kWarmUp, 50ms, kStart);
  adaptive.on_sample(5ms, 10, true, kStart + 1s);
  EXPECT_EQ(adaptive.limit(), 9u);
  // Within one round trip (the 50 ms average) further drops belong to the same overload.
  adaptive.on_sample(5ms, 10, true, kStart + 1s + 49ms);
  EXPECT_EQ(adaptive.limit(), 9u);
  adaptive.on_sample(5ms, 10, true, kStart + 1s + 51ms);
  EXPECT_EQ(adaptive.limit(), 8u);  // 8.1
}

TEST(AdaptiveLimitTest, BeforeAnyAverageADropSpacesCutsByItsOwnTime) {
  AdaptiveLimit adaptive({.initial = 100, .max = 1000});
  adaptive.on_sample(2s, 100, true, kStart);
  adaptive.on_sample(2s, 100, true, kStart + 1s);
  EXPECT_EQ(adaptive.limit(), 90u);
  adaptive.on_sample(2s, 100, true, kStart + 2s);
  EXPECT_EQ(adaptive.limit(), 81u);
}

TEST(AdaptiveLimitTest, StaysWithinOneAndTheMaximum) {
  AdaptiveLimit adaptive({.initial = 10, .max = 15});
  for (int i = 0; i < 100; ++i) adaptive.on_sample(10ms, 10, true, kStart + i * 1s);
  EXPECT_EQ(adaptive.limit(), 1u);
  feed(adaptive, 1000, 10ms, kStart + 100s);
  EXPECT_EQ(adaptive.limit(), 15u);
}

TEST(AdaptiveLimitTest, ProbeHalvesTheLimitToMeasureTheBaselineAgain) {
  AdaptiveLimit adaptive({.initial = 20, .max = 1000});
  feed(adaptive, kWarmUp, 50ms, kStart);
  ASSERT_EQ(adaptive.limit(), 20u);
  // 10 s after the baseline was set, the next sample starts a probe.
  adaptive.on_sample(50ms, 20, false, kStart + 10s);
  EXPECT_EQ(adaptive.limit(), 10u);
  // Requests that started before the in-flight count fell do not count...
  for (int i = 0; i < 100; ++i) adaptive.on_sample(100ms, 20, false, kStart + 10s);
  EXPECT_EQ(adaptive.limit(), 10u);
  // ...two round trips at the probe limit do. The server became slower: 100 ms is the new
  // baseline, so 100 ms now lets the limit grow instead of cutting it.
  for (int i = 0; i < 20; ++i) adaptive.on_sample(100ms, 10, false, kStart + 11s);
  EXPECT_EQ(adaptive.limit(), 20u);
  feed(adaptive, 50, 100ms, kStart + 12s);
  EXPECT_EQ(adaptive.limit(), 25u);
}

TEST(AdaptiveLimitTest, SamplesFromManyThreadsAtOnce) {
  AdaptiveLimit adaptive({.initial = 10, .max = 200});
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 2000; ++i) {
          const bool dropped = (i + t) % 97 == 0;
          adaptive.on_sample(20ms, adaptive.limit(), dropped, kStart + i * 1ms);
        }
      });
    }
  }
  EXPECT_GE(adaptive.limit(), 1u);
  EXPECT_LE(adaptive.limit(), 200u);
}

// The simulations below run 60'000 requests (a minute of the server at capacity) and
// compare with every fixed limit from 5 to 1000. Measured with the current constants:
//   capacity 50, flat jitter:   limit settles at 78 (mean 78.1, highest 90), 98.9 % of best
//   capacity 50, +-30 % jitter: 78 (mean 75.5, highest 88), 98.8 % of best
//   shedding above 60:          60 (mean 58.4, highest 63), 93.2 % of best
//   base 50 -> 100 ms at 40 s:  79 (mean 77.8), 99.0 % of best; 100 -> 50 ms: 78, 99.4 %
//   flat latency:               reaches 1000 after 9'920 samples
// The bounds leave room for retuning without letting the properties go.
constexpr std::size_t kSamples = 60'000;

Server capacity_50() {
  Server server;
  server.capacity = 50;
  return server;
}

void expect_settles_near_capacity(const Server& server, std::size_t samples) {
  const Outcome adaptive = simulate_adaptive(server, samples);
  const double best = best_fixed_throughput(server, samples);
  const double capacity = static_cast<double>(server.capacity);
  EXPECT_GE(adaptive.final_limit, server.capacity);
  EXPECT_LE(adaptive.highest_limit, 2 * server.capacity);
  // Throughput is flat from the capacity on, so the latency the limit adds is what a
  // higher limit costs: 1.7 x capacity is 1.7 x the server's own latency.
  EXPECT_GE(adaptive.mean_limit, capacity);
  EXPECT_LE(adaptive.mean_limit, 1.7 * capacity);
  EXPECT_GE(adaptive.successes_per_second, 0.95 * best);
}

TEST(AdaptiveLimitSimulationTest, SettlesNearCapacityWhenLatencyRisesBeyondIt) {
  expect_settles_near_capacity(capacity_50(), kSamples);
}

TEST(AdaptiveLimitSimulationTest, SettlesNearCapacityDespiteJitter) {
  Server server = capacity_50();
  server.jitter = 0.3;
  expect_settles_near_capacity(server, kSamples);
}

TEST(AdaptiveLimitSimulationTest, FollowsAServerThatBecomesSlower) {
  Server server = capacity_50();
  server.base_change = std::pair{kStart + 40s, nanoseconds(100ms)};
  expect_settles_near_capacity(server, 2 * kSamples);
}

TEST(AdaptiveLimitSimulationTest, FollowsAServerThatBecomesFaster) {
  Server server = capacity_50();
  server.base = 100ms;
  server.base_change = std::pair{kStart + 40s, nanoseconds(50ms)};
  expect_settles_near_capacity(server, 2 * kSamples);
}

TEST(AdaptiveLimitSimulationTest, BacksOffToAServerThatShedsLoad) {
  Server server;
  server.shed_above = 60;  // flat latency: only the 503s tell
  const Outcome adaptive = simulate_adaptive(server, kSamples);
  EXPECT_GE(adaptive.mean_limit, 50);
  EXPECT_LE(adaptive.highest_limit, 66u);
  EXPECT_GE(adaptive.successes_per_second, 0.9 * best_fixed_throughput(server, kSamples));
}

TEST(AdaptiveLimitSimulationTest, ClimbsToTheMaximumWhenLatencyStaysFlat) {
  // 20 warm-up samples, then +0.1 per sample from 10 to 1000: 9'920, plus probe pauses.
  const Outcome adaptive = simulate_adaptive(Server{}, 30'000, {}, 1000);
  EXPECT_GT(adaptive.samples_to_reach_limit, 0u);
  EXPECT_LE(adaptive.samples_to_reach_limit, 11'000u);
  EXPECT_EQ(adaptive.final_limit, 1000u);
}

}  // namespace
}  // namespace sluice
