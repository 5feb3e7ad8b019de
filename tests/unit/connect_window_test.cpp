// Tests for ConnectWindow on injected time: slow start per round of connects, the halving on
// refused connects or lost SYNs (once per burst), reused connections that count for nothing,
// per-host lanes beside the overall one, and idle lanes forgotten.
#include "limit/connect_window.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

using test::kStart;
const std::string kOriginA = "http://a:80";
const std::string kOriginB = "http://b:80";

// Starts as many connects to `host` as the window lets in; returns how many.
std::size_t fill(ConnectWindow& window, const std::string& host, ConnectWindow::time_point now) {
  std::size_t started = 0;
  while (window.has_room(host) && started < ConnectWindow::kMaxWindow) {
    window.begin(host, now);
    ++started;
  }
  return started;
}

// Ends `count` connects to `host` with `outcome`.
void end(ConnectWindow& window, const std::string& host, std::size_t count, ConnectOutcome outcome,
         ConnectWindow::time_point now) {
  for (std::size_t i = 0; i < count; ++i) window.end(host, outcome, now);
}

TEST(ConnectWindowTest, DoublesPerRoundOfSuccessfulConnects) {
  ConnectWindow window(4);
  std::size_t expected = 4;
  for (int round = 0; round < 5; ++round) {
    const std::size_t started = fill(window, kOriginA, kStart);
    EXPECT_EQ(started, expected) << "round " << round;
    end(window, kOriginA, started, ConnectOutcome::Connected, kStart);
    expected *= 2;
  }
  EXPECT_EQ(window.window(kOriginA), 128u);
  EXPECT_EQ(window.overall().window, 128u);
}

TEST(ConnectWindowTest, ReusedConnectionsLeaveTheWindowAsItIs) {
  ConnectWindow window(4);
  for (int round = 0; round < 10; ++round) {
    end(window, kOriginA, fill(window, kOriginA, kStart), ConnectOutcome::Reused, kStart);
  }
  EXPECT_EQ(window.window(kOriginA), 4u);
  EXPECT_EQ(window.in_flight(kOriginA), 0u);
  EXPECT_EQ(window.overall().in_flight, 0u);
}

TEST(ConnectWindowTest, HalvesOnRefusedConnectsOncePerBurst) {
  ConnectWindow window(4);
  for (int round = 0; round < 4; ++round) {
    end(window, kOriginA, fill(window, kOriginA, kStart), ConnectOutcome::Connected, kStart);
  }
  ASSERT_EQ(window.window(kOriginA), 64u);
  ASSERT_EQ(fill(window, kOriginA, kStart), 64u);
  // A whole window refused at once is one loss, not 64.
  end(window, kOriginA, 64, ConnectOutcome::Failed, kStart + 10ms);
  EXPECT_EQ(window.window(kOriginA), 32u);
  // After the hold, the next refusal halves again.
  ASSERT_EQ(fill(window, kOriginA, kStart + 2s), 32u);
  end(window, kOriginA, 32, ConnectOutcome::Failed, kStart + 2s);
  EXPECT_EQ(window.window(kOriginA), 16u);
  EXPECT_EQ(window.overall().window, 16u);
}

TEST(ConnectWindowTest, TakesAConnectThatRetransmittedItsSynForALoss) {
  ConnectWindow window(32);
  fill(window, kOriginA, kStart);
  window.end(kOriginA, ConnectOutcome::Retransmitted, kStart + 1s);
  EXPECT_EQ(window.window(kOriginA), 16u);
  window.end(kOriginA, ConnectOutcome::Connected, kStart + 1s);
  EXPECT_EQ(window.window(kOriginA), 16u);  // at the threshold now: grows by one per window
}

TEST(ConnectWindowTest, GrowsByOnePerWindowAboveTheThreshold) {
  ConnectWindow window(8);
  fill(window, kOriginA, kStart);
  end(window, kOriginA, 1, ConnectOutcome::Failed, kStart);
  ASSERT_EQ(window.window(kOriginA), 4u);
  end(window, kOriginA, 3, ConnectOutcome::Connected, kStart);
  EXPECT_EQ(window.window(kOriginA), 4u);
  end(window, kOriginA, 1, ConnectOutcome::Connected, kStart);
  EXPECT_EQ(window.window(kOriginA), 5u);
}

TEST(ConnectWindowTest, NeverShrinksBelowOne) {
  ConnectWindow window(2);
  for (int i = 0; i < 5; ++i) {
    const auto now = kStart + i * 2s;
    ASSERT_EQ(fill(window, kOriginA, now), window.window(kOriginA));
    end(window, kOriginA, window.in_flight(kOriginA), ConnectOutcome::Failed, now);
  }
  EXPECT_EQ(window.window(kOriginA), 1u);
  EXPECT_TRUE(window.has_room(kOriginA));
}

TEST(ConnectWindowTest, AHostAtItsWindowLeavesOtherHostsRoom) {
  ConnectWindow window(4);
  // The overall lane has grown further than a's.
  for (int round = 0; round < 3; ++round) {
    end(window, kOriginB, fill(window, kOriginB, kStart), ConnectOutcome::Connected, kStart);
  }
  ASSERT_EQ(fill(window, kOriginA, kStart), 4u);
  EXPECT_FALSE(window.has_room(kOriginA));
  EXPECT_TRUE(window.has_room(kOriginB));
  EXPECT_EQ(fill(window, kOriginB, kStart), 28u);  // the overall window of 32 is then full
  EXPECT_FALSE(window.overall_has_room());
}

TEST(ConnectWindowTest, ForgetsIdleHostsAndTheyStartAfresh) {
  ConnectWindow window(4);
  for (int round = 0; round < 3; ++round) {
    end(window, kOriginA, fill(window, kOriginA, kStart), ConnectOutcome::Connected, kStart);
  }
  ASSERT_EQ(window.window(kOriginA), 32u);
  // Enough ends of another host's connects, long after, to sweep.
  const auto later = kStart + ConnectWindow::kForgetAfter + 1s;
  for (int i = 0; i < 5000; ++i) {
    window.begin(kOriginB, later);
    window.end(kOriginB, ConnectOutcome::Reused, later);
  }
  EXPECT_EQ(window.window(kOriginA), 4u);
}

TEST(ConnectWindowTest, CountsHostlessConnectsOverallOnly) {
  ConnectWindow window(2);
  window.begin("", kStart);
  window.begin("", kStart);
  EXPECT_FALSE(window.overall_has_room());
  EXPECT_FALSE(window.has_room(kOriginA));
  window.end("", ConnectOutcome::Connected, kStart);
  EXPECT_TRUE(window.has_room(kOriginA));
  EXPECT_EQ(window.overall().window, 3u);
}

}  // namespace
}  // namespace sluice
