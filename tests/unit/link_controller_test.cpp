// Tests for LinkController against a simulated link (a rate and a queue that drops beyond
// its buffer) in simulated time: it must find the link's rate, keep the queue under the
// target, and follow a link that gets slower or faster.
#include "limit/link_controller.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;
using Seconds = std::chrono::duration<double>;

using test::kStart;
constexpr double kMbit = 1e6 / 8;  // bytes per second
constexpr auto kStep = 1ms;

// A bottleneck link: its queue takes what the sender sends, at the pace the receiver reads
// (a receiver-paced sender with an open window), and empties at the link's rate; bytes
// beyond its buffer are dropped. A round trip is the base plus the queue's delay.
struct SimulatedLink {
  double rate = 20 * kMbit;
  double buffer = 250'000;  // 100 ms at 20 Mbit/s
  nanoseconds base_rtt = 1ms;
  // The most the senders can offer per second (few transfers, a slow server).
  double offered_limit = std::numeric_limits<double>::infinity();
  double queue = 0;

  // What a step at receive pace `pace` delivers; adds what it drops to `dropped`.
  double step(double pace, double& dropped) {
    const double seconds = Seconds(kStep).count();
    queue += std::min(pace, offered_limit) * seconds;
    if (queue > buffer) {
      dropped += queue - buffer;
      queue = buffer;
    }
    const double out = std::min(queue, rate * seconds);
    queue -= out;
    return out;
  }
  nanoseconds queue_delay() const {
    return std::chrono::duration_cast<nanoseconds>(Seconds(queue / rate));
  }
};

// What the link saw over a stretch of simulated time.
struct Stretch {
  double delivered_per_second = 0;
  double mean_queue_ms = 0;
  double max_queue_ms = 0;
  double dropped = 0;
};

// Runs the controller against the link for `length`, one step (and one round-trip sample,
// jittered upwards as a socket's smoothed estimate is) per millisecond.
class LinkSimulation {
 public:
  explicit LinkSimulation(SimulatedLink link, LinkControllerSettings settings = {})
      : link_(link), controller_(settings, [this](double pace, double, auto) { pace_ = pace; }) {
    pace_ = controller_.pacing_rate();
  }

  Stretch run(nanoseconds length) {
    Stretch stretch;
    double delivered = 0;
    double queue_ms_sum = 0;
    const auto steps = length / kStep;
    for (std::int64_t i = 0; i < steps; ++i) {
      now_ += kStep;
      const double out = link_.step(pace_, stretch.dropped);
      delivered += out;
      controller_.on_delivered(static_cast<std::uint64_t>(out), now_);
      controller_.on_rtt(link_.base_rtt + link_.queue_delay() + jitter_(random_) * 1us, now_);
      const double queue_ms = Seconds(link_.queue_delay()).count() * 1000;
      queue_ms_sum += queue_ms;
      stretch.max_queue_ms = std::max(stretch.max_queue_ms, queue_ms);
    }
    stretch.delivered_per_second = delivered / Seconds(length).count();
    stretch.mean_queue_ms = queue_ms_sum / static_cast<double>(steps);
    return stretch;
  }

  SimulatedLink& link() { return link_; }
  const LinkController& controller() const { return controller_; }
  double pace() const { return pace_; }

 private:
  SimulatedLink link_;
  double pace_ = 0;  // as last published
  LinkController controller_;
  TimeSource::time_point now_ = kStart;
  std::mt19937 random_{13};
  std::uniform_int_distribution<int> jitter_{0, 2000};  // up to 2 ms more, never less
};

constexpr double kTargetMs = 5;

TEST(LinkControllerTest, FindsA20MbitLinkAndKeepsItsQueueUnderTheTarget) {
  LinkSimulation simulation({});
  const Stretch first = simulation.run(1s);
  const Stretch rest = simulation.run(20s);
  EXPECT_GE(rest.delivered_per_second, 0.90 * simulation.link().rate);
  EXPECT_LT(rest.mean_queue_ms, kTargetMs);
  EXPECT_EQ(rest.dropped, 0);
  EXPECT_EQ(first.dropped, 0);
  EXPECT_NEAR(simulation.controller().link_rate(), simulation.link().rate,
              0.1 * simulation.link().rate);
}

TEST(LinkControllerTest, FindsA100MbitLinkWithAShortQueue) {
  LinkSimulation simulation({.rate = 100 * kMbit, .buffer = 625'000 /*50 ms*/});
  simulation.run(1s);
  const Stretch rest = simulation.run(20s);
  EXPECT_GE(rest.delivered_per_second, 0.90 * simulation.link().rate);
  EXPECT_LT(rest.mean_queue_ms, kTargetMs);
  EXPECT_EQ(rest.dropped, 0);
}

TEST(LinkControllerTest, FollowsALinkThatGetsSlower) {
  LinkSimulation simulation({.rate = 100 * kMbit, .buffer = 625'000});
  simulation.run(10s);
  simulation.link().rate = 20 * kMbit;
  simulation.run(2s);  // the step down fills the queue once, before the next sample
  const Stretch after = simulation.run(10s);
  EXPECT_GE(after.delivered_per_second, 0.90 * simulation.link().rate);
  EXPECT_LT(after.mean_queue_ms, kTargetMs);
  EXPECT_EQ(after.dropped, 0);
  EXPECT_NEAR(simulation.controller().link_rate(), 20 * kMbit, 2 * kMbit);
}

TEST(LinkControllerTest, FollowsALinkThatGetsFaster) {
  LinkSimulation simulation({});
  simulation.run(10s);
  simulation.link().rate = 100 * kMbit;
  simulation.run(5s);  // within one probing period and its climb
  const Stretch after = simulation.run(10s);
  EXPECT_GE(after.delivered_per_second, 0.90 * simulation.link().rate);
  EXPECT_LT(after.mean_queue_ms, kTargetMs);
  EXPECT_EQ(after.dropped, 0);
}

TEST(LinkControllerTest, ARunSlowerThanTheLinkDoesNotInflateThePace) {
  // The senders offer 2 MB/s on a 100 Mbit/s link: delivery below the pace never lowers
  // the learned rate, and the pace stays within the startup gain of what was delivered.
  SimulatedLink link{.rate = 100 * kMbit, .buffer = 625'000};
  link.offered_limit = 2e6;
  LinkSimulation simulation(link);
  const Stretch stretch = simulation.run(10s);
  EXPECT_NEAR(stretch.delivered_per_second, 2e6, 0.05e6);
  EXPECT_LE(simulation.pace(), 2.2 * 2e6);
  EXPECT_EQ(stretch.dropped, 0);
}

TEST(LinkControllerTest, LearnsAHigherBaseRoundTripInsteadOfPacingEverLower) {
  LinkSimulation simulation({});
  simulation.run(5s);
  simulation.link().base_rtt = 30ms;  // the path changed; no queue of ours
  simulation.run(15s);
  const Stretch after = simulation.run(10s);
  EXPECT_GE(after.delivered_per_second, 0.90 * simulation.link().rate);
  ASSERT_TRUE(simulation.controller().base_rtt());
  EXPECT_GE(*simulation.controller().base_rtt(), 30ms);
}

TEST(LinkControllerTest, PublishesEachNewPace) {
  std::vector<double> published;
  LinkController controller({.initial_rate = 1e6},
                            [&](double pace, double, auto) { published.push_back(pace); });
  auto now = kStart;
  for (int i = 0; i < 3; ++i) {
    controller.on_rtt(1ms, now);
    controller.on_delivered(50'000, now);  // 2 MB/s over each 25 ms
    now += 25ms;
  }
  controller.on_delivered(50'000, now);
  ASSERT_FALSE(published.empty());
  EXPECT_EQ(published.back(), controller.pacing_rate());
  EXPECT_EQ(controller.phase(), LinkPhase::Startup);
  EXPECT_GT(controller.pacing_rate(), 1e6);
}

TEST(LinkControllerTest, PublishesALearnedRateWhileThePaceHolds) {
  std::vector<double> rates;
  LinkController controller({.initial_rate = 4e6},
                            [&](double, double rate, auto) { rates.push_back(rate); });
  auto now = kStart;
  controller.on_delivered(25'000, now);  // 1 MB/s over 25 ms: twice that is below the start
  now += 25ms;
  controller.on_delivered(25'000, now);
  EXPECT_EQ(controller.pacing_rate(), 4e6);
  ASSERT_EQ(rates.size(), 1u);
  EXPECT_EQ(rates.front(), controller.link_rate());
  EXPECT_GT(rates.front(), 0);
}

}  // namespace
}  // namespace sluice
