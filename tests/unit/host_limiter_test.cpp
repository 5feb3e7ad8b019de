// Tests for HostLimiter: the per-host cap, --per-host-rate, Retry-After pauses, announced
// rates, and that hosts with nothing going on are forgotten.
#include "limit/host_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

using test::kStart;
constexpr std::string_view kA = "https://a.example:443";
constexpr std::string_view kB = "https://b.example:443";

TEST(HostLimiterTest, CapsRequestsInFlightPerHost) {
  HostLimiter limiter(2);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart));
  const HostAdmission refused = limiter.try_acquire(kA, kStart);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.retry_at, std::nullopt);  // at the cap: ask again after a release
  EXPECT_EQ(limiter.in_flight(kA), 2u);
  EXPECT_TRUE(limiter.try_acquire(kB, kStart));  // other hosts go on
  limiter.release(kA, kStart);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart));
}

TEST(HostLimiterTest, CapOfZeroMeansNoCap) {
  HostLimiter limiter(0);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  EXPECT_EQ(limiter.in_flight(kA), 10'000u);
}

TEST(HostLimiterTest, PauseRefusesUntilItEndsForThatHostOnly) {
  HostLimiter limiter(0);
  limiter.pause_until(kA, kStart + 5s);
  const HostAdmission refused = limiter.try_acquire(kA, kStart + 1s);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.retry_at, kStart + 5s);
  EXPECT_EQ(limiter.paused_until(kA, kStart + 1s), kStart + 5s);
  EXPECT_TRUE(limiter.try_acquire(kB, kStart + 1s));
  EXPECT_EQ(limiter.paused_until(kA, kStart + 5s), std::nullopt);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 5s));
}

TEST(HostLimiterTest, LaterPauseExtendsAndEarlierOneNeverShortens) {
  HostLimiter limiter(0);
  limiter.pause_until(kA, kStart + 5s);
  limiter.pause_until(kA, kStart + 2s);
  EXPECT_EQ(limiter.paused_until(kA, kStart), kStart + 5s);
  limiter.pause_until(kA, kStart + 8s);
  EXPECT_EQ(limiter.paused_until(kA, kStart), kStart + 8s);
}

TEST(HostLimiterTest, PauseLeavesRequestsInFlightAlone) {
  HostLimiter limiter(0);
  ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  limiter.pause_until(kA, kStart + 5s);
  EXPECT_EQ(limiter.in_flight(kA), 1u);
  limiter.release(kA, kStart + 1s);
  EXPECT_EQ(limiter.in_flight(kA), 0u);
  EXPECT_EQ(limiter.paused_until(kA, kStart + 1s), kStart + 5s);  // kept while paused
}

// Admits a request (released at once) wherever the host allows, in steps of 10 ms.
std::vector<std::chrono::milliseconds> admissions(HostLimiter& limiter, std::string_view key,
                                                  std::chrono::milliseconds until) {
  std::vector<std::chrono::milliseconds> times;
  for (auto at = 0ms; at <= until; at += 10ms) {
    if (limiter.try_acquire(key, kStart + at)) {
      times.push_back(at);
      limiter.release(key, kStart + at);
    }
  }
  return times;
}

TEST(HostLimiterTest, AnnouncedRateSpreadsTheRemainingRequestsOverTheWindow) {
  HostLimiter limiter(0);
  limiter.observe_rate_limit(kA, 5, 10s, kStart);
  const HostAdmission refused = limiter.try_acquire(kA, kStart);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.retry_at, kStart + 2s);
  using std::chrono::milliseconds;
  EXPECT_EQ(admissions(limiter, kA, 9990ms),
            (std::vector<milliseconds>{2000ms, 4000ms, 6000ms, 8000ms}));
  // The fifth comes at the end of the window, when the host is unlimited again anyway.
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 10s));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 10s));
  EXPECT_TRUE(limiter.try_acquire(kB, kStart));  // other hosts never were limited
}

TEST(HostLimiterTest, RetryIsNoLaterThanTheEndOfTheWindow) {
  HostLimiter limiter(0);
  limiter.observe_rate_limit(kA, 3, 3s, kStart);
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 2500ms));  // one request saved up by then
  const HostAdmission refused = limiter.try_acquire(kA, kStart + 2500ms);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.retry_at, kStart + 3s);  // the next token would come at 3.5 s
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 3s));
}

TEST(HostLimiterTest, NoRequestsRemainingPausesUntilTheReset) {
  HostLimiter limiter(0);
  limiter.observe_rate_limit(kA, 0, 30s, kStart);
  EXPECT_EQ(limiter.paused_until(kA, kStart), kStart + 30s);
  EXPECT_EQ(limiter.try_acquire(kA, kStart + 29s).retry_at, kStart + 30s);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 30s));
}

TEST(HostLimiterTest, ResetInThePastSaysNothing) {
  HostLimiter limiter(0);
  limiter.observe_rate_limit(kA, 0, 0s, kStart);
  limiter.observe_rate_limit(kA, 0, -5s, kStart);
  EXPECT_EQ(limiter.tracked_hosts(), 0u);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart));
}

TEST(HostLimiterTest, EndlessWindowDoesNotOverflowTheClock) {
  HostLimiter limiter(0);
  limiter.observe_rate_limit(kA, 0, std::chrono::nanoseconds::max(), kStart);
  EXPECT_EQ(limiter.paused_until(kA, kStart), TimeSource::time_point::max());
}

TEST(HostLimiterTest, NewerAnnouncementChangesTheRateAndKeepsWhatWasSavedUp) {
  HostLimiter limiter(0);
  limiter.observe_rate_limit(kA, 10, 10s, kStart);  // 1 per second
  // Half a request saved up by 0.5 s; from then on 4 per second: the rest takes 125 ms.
  limiter.observe_rate_limit(kA, 8, 2s, kStart + 500ms);
  EXPECT_EQ(limiter.try_acquire(kA, kStart + 500ms).retry_at, kStart + 625ms);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 625ms));
  EXPECT_EQ(limiter.try_acquire(kA, kStart + 625ms).retry_at, kStart + 875ms);
}

TEST(HostLimiterTest, ResetsRoundedUpToWholeSecondsKeepTheWindowsEarliestEnd) {
  HostLimiter limiter(0);
  // A 1 s window says "1 s" all along; its end is the first answer's 1 s, not 1 s from each.
  limiter.observe_rate_limit(kA, 10, 1s, kStart);
  limiter.observe_rate_limit(kA, 4, 1s, kStart + 600ms);  // 4 in the last 400 ms
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 600ms));   // saved up by then
  EXPECT_EQ(limiter.try_acquire(kA, kStart + 600ms).retry_at, kStart + 700ms);
  // None left: paused until that end, not until 1 s from now.
  limiter.observe_rate_limit(kA, 0, 1s, kStart + 800ms);
  EXPECT_EQ(limiter.paused_until(kA, kStart + 800ms), kStart + 1s);
}

TEST(HostLimiterTest, RenewedWindowTakesItsOwnEnd) {
  HostLimiter limiter(0);
  limiter.observe_rate_limit(kA, 2, 1s, kStart);
  // More remaining than before: the window renewed, and its end is 1 s from this answer,
  // so the host is still limited after the first window's end.
  limiter.observe_rate_limit(kA, 9, 1s, kStart + 900ms);
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 1500ms));  // saved up by then
  EXPECT_FALSE(limiter.try_acquire(kA, kStart + 1500ms));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 1900ms));
}

TEST(HostLimiterTest, RefusalAtTheCapKeepsTheHostsRequestToken) {
  HostLimiter limiter(1);
  limiter.observe_rate_limit(kA, 10, 10s, kStart);
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 1s));
  EXPECT_FALSE(limiter.try_acquire(kA, kStart + 2s));  // at the cap, token untouched
  limiter.release(kA, kStart + 2s);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 2s));
}

TEST(HostLimiterTest, PerHostRateSpacesTheStartsToEachHost) {
  HostLimiter limiter(0, 2.0);  // one start every 500 ms
  ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  const HostAdmission refused = limiter.try_acquire(kA, kStart + 499ms);
  EXPECT_FALSE(refused);
  EXPECT_EQ(refused.retry_at, kStart + 500ms);
  EXPECT_TRUE(limiter.try_acquire(kB, kStart + 1ms));  // other hosts keep their own pace
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 500ms));
  // A host quiet for a while gets one start at once, not a burst of the starts it missed.
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 10s));
  EXPECT_FALSE(limiter.try_acquire(kA, kStart + 10s));
}

TEST(HostLimiterTest, PerHostRateIsRoundedToNeverStartEarly) {
  HostLimiter limiter(0, 3.0);  // 333,333,333.3 ns
  ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  EXPECT_FALSE(limiter.try_acquire(kA, kStart + 333'333'333ns));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 333'333'334ns));
}

TEST(HostLimiterTest, AHostKeepsItsIntervalAfterItsLastRelease) {
  HostLimiter limiter(1, 1.0);
  ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  limiter.release(kA, kStart + 10ms);  // a host with nothing in flight is usually forgotten
  EXPECT_EQ(limiter.tracked_hosts(), 1u);
  EXPECT_FALSE(limiter.try_acquire(kA, kStart + 20ms));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 1s));
}

TEST(HostLimiterTest, AwaitingSendsTheIntervalRunsFromTheRequestGoingOut) {
  HostLimiter limiter(0, 2.0);
  limiter.await_sends();
  ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  // Its connect took 700 ms: no other start meanwhile, though the interval from admission
  // ran out, and nothing to wait for but the send.
  const HostAdmission unsent = limiter.try_acquire(kA, kStart + 600ms);
  EXPECT_FALSE(unsent);
  EXPECT_EQ(unsent.retry_at, std::nullopt);
  EXPECT_TRUE(limiter.try_acquire(kB, kStart + 600ms));  // other hosts go on
  limiter.request_sent(kA, kStart + 700ms);
  EXPECT_EQ(limiter.try_acquire(kA, kStart + 800ms).retry_at, kStart + 1200ms);
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 1200ms));
}

TEST(HostLimiterTest, AHostIsKeptWhileARequestOfItsHasNotGoneOut) {
  HostLimiter limiter(0, 2.0);
  limiter.await_sends();
  ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  limiter.release(kA, kStart + 1s);  // its transfer ended; its report comes after
  EXPECT_EQ(limiter.tracked_hosts(), 1u);
  limiter.request_sent(kA, kStart + 1s);
  EXPECT_FALSE(limiter.try_acquire(kA, kStart + 1200ms));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 1500ms));
}

TEST(HostLimiterTest, WithoutAPerHostRateSendsAreNotAwaited) {
  HostLimiter limiter(0);
  limiter.await_sends();
  ASSERT_TRUE(limiter.try_acquire(kA, kStart));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart));
  limiter.request_sent(kA, kStart);  // nothing to count
}

TEST(HostLimiterTest, PerHostRateRefusalKeepsTheAnnouncedToken) {
  HostLimiter limiter(0, 1.0);
  limiter.observe_rate_limit(kA, 10, 10s, kStart);  // one a second, the first after 1 s
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 1s));
  EXPECT_FALSE(limiter.try_acquire(kA, kStart + 1500ms));
  EXPECT_TRUE(limiter.try_acquire(kA, kStart + 2s));
}

TEST(HostLimiterTest, ForgetsHostsLeftWithNothingInFlight) {
  HostLimiter limiter(4);
  // A sliding window of 1'000 requests over 200'000 hosts, as a long run would see.
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_TRUE(limiter.try_acquire("http://h" + std::to_string(i) + ":80", kStart));
    if (i >= 1000) limiter.release("http://h" + std::to_string(i - 1000) + ":80", kStart);
    ASSERT_LE(limiter.tracked_hosts(), 1000u);
  }
}

TEST(HostLimiterTest, ForgetsPausesAndRatesThatRanOut) {
  HostLimiter limiter(0);
  for (int i = 0; i < 10'000; ++i) {
    const std::string key = "http://p" + std::to_string(i) + ":80";
    if (i % 2 == 0) {
      limiter.pause_until(key, kStart + 1s);
    } else {
      limiter.observe_rate_limit(key, 5, 1s, kStart);
    }
  }
  EXPECT_EQ(limiter.tracked_hosts(), 10'000u);
  // They ran out after a second; the sweep every 10 s takes them away.
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 9s));
  EXPECT_EQ(limiter.tracked_hosts(), 10'001u);
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 10s));
  EXPECT_EQ(limiter.tracked_hosts(), 1u);
}

TEST(HostLimiterTest, SweepKeepsHostsThatArePausedOrBusy) {
  HostLimiter limiter(0);
  for (int i = 0; i < 3000; ++i) {
    const std::string key = "http://q" + std::to_string(i) + ":80";
    if (i % 2 == 0) {
      limiter.pause_until(key, kStart + 1h);
    } else {
      ASSERT_TRUE(limiter.try_acquire(key, kStart));
    }
  }
  ASSERT_TRUE(limiter.try_acquire(kA, kStart + 1min));
  EXPECT_EQ(limiter.tracked_hosts(), 3001u);
  EXPECT_EQ(limiter.paused_until("http://q0:80", kStart + 1min), kStart + 1h);
  EXPECT_EQ(limiter.in_flight("http://q1:80"), 1u);
}

}  // namespace
}  // namespace sluice
