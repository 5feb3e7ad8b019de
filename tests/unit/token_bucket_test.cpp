// Tests for BasicTokenBucket and TokenBucket: refill, burst, exact readiness, debt, and the
// blocking take, all in hand-driven time.
#include "limit/token_bucket.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <vector>

#include "support/manual_time_source.hpp"

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;
using test::ManualTimeSource;

using test::kStart;

// What a bucket of `rate` and `burst`, full at kStart, may have handed out by `until`.
double most_allowed(double rate, double burst, TimeSource::time_point until) {
  return burst + rate * std::chrono::duration<double>(until - kStart).count();
}

TEST(TokenBucketTest, StartsFullAndNeverHoldsMoreThanTheBurst) {
  BasicTokenBucket bucket(10, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(1, kStart)) << i;
  EXPECT_FALSE(bucket.try_take(1, kStart));
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 1h), 5);
}

TEST(TokenBucketTest, RefillsAtConfiguredRate) {
  struct Case {
    double rate;
    double burst;
    double take;
  };
  for (const Case c : {Case{100, 2, 1}, Case{1000, 10, 1}, Case{10000, 100, 5},
                       Case{20.0 * 1024 * 1024, 48 * 1024, 16 * 1024}}) {
    BasicTokenBucket bucket(c.rate, c.burst);
    double taken = 0;
    for (auto now = kStart; now <= kStart + 10s; now += 1ms) {
      while (bucket.try_take(c.take, now)) taken += c.take;
      // Never ahead of the rate. Never behind it by a whole take either: each step takes
      // all there is, and the burst holds a take plus a millisecond's refill, so no token
      // spills over the cap.
      ASSERT_LE(taken, most_allowed(c.rate, c.burst, now) + 1e-6) << c.rate;
      ASSERT_GT(taken, most_allowed(c.rate, c.burst, now) - c.take - 1e-6) << c.rate;
    }
  }
}

TEST(TokenBucketTest, ReadyAtIsExactToTheNanosecond) {
  BasicTokenBucket bucket(3, 1);
  EXPECT_EQ(bucket.ready_at(1, kStart), kStart);
  ASSERT_TRUE(bucket.try_take(1, kStart));
  // One token takes 1/3 s = 333'333'333.3 ns, so the first whole nanosecond is the next.
  const auto ready = bucket.ready_at(1, kStart);
  EXPECT_EQ(ready, kStart + 333'333'334ns);
  EXPECT_EQ(bucket.ready_at(1, kStart + 100ms), ready);
  EXPECT_FALSE(bucket.try_take(1, ready - 1ns));
  EXPECT_TRUE(bucket.try_take(1, ready));
}

TEST(TokenBucketTest, ReadyAtAgreesWithTryTakeForAwkwardRates) {
  for (const double rate : {0.1, 0.7, 3.0, 7.0, 1e3 / 7, 12345.678, 1e9 / 3}) {
    BasicTokenBucket bucket(rate, 2.5);
    ASSERT_TRUE(bucket.try_take(2.5, kStart));
    for (const double tokens : {0.3, 1.0, 2.5}) {
      const auto ready = bucket.ready_at(tokens, kStart);
      BasicTokenBucket early = bucket;
      BasicTokenBucket on_time = bucket;
      EXPECT_FALSE(early.try_take(tokens, ready - 1ns)) << rate << " " << tokens;
      EXPECT_TRUE(on_time.try_take(tokens, ready)) << rate << " " << tokens;
    }
  }
}

TEST(TokenBucketTest, TakeLargerThanBurstWaitsForAFullBucketThenOwes) {
  BasicTokenBucket bucket(1, 2);
  ASSERT_TRUE(bucket.try_take(2, kStart));
  EXPECT_EQ(bucket.ready_at(5, kStart), kStart + 2s);
  EXPECT_FALSE(bucket.try_take(5, kStart + 2s - 1ns));
  EXPECT_TRUE(bucket.try_take(5, kStart + 2s));
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 2s), -3);
  // The debt is paid at the rate before anyone else gets a token.
  EXPECT_EQ(bucket.ready_at(1, kStart + 2s), kStart + 6s);
}

TEST(TokenBucketTest, EarlierTimeAddsNothing) {
  BasicTokenBucket bucket(1000, 10);
  int taken = 0;
  while (bucket.try_take(1, kStart + 100ms)) ++taken;
  EXPECT_EQ(taken, 10);
  // A thread that read the clock earlier and got the lock later must not refill the bucket.
  EXPECT_FALSE(bucket.try_take(1, kStart + 99ms));
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 99ms), 0);
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 101ms), 1);
}

TEST(TokenBucketTest, ReservationsAreServedInOrderAtTheRate) {
  BasicTokenBucket bucket(10, 1);
  EXPECT_EQ(bucket.reserve(1, kStart), kStart);
  EXPECT_EQ(bucket.reserve(1, kStart), kStart + 100ms);
  EXPECT_EQ(bucket.reserve(1, kStart), kStart + 200ms);
  // Reserved tokens are spoken for: a non-blocking taker waits behind the reservations.
  EXPECT_FALSE(bucket.try_take(1, kStart + 250ms));
  EXPECT_EQ(bucket.ready_at(1, kStart + 250ms), kStart + 300ms);
}

TEST(TokenBucketTest, GivingBackNeverOverfills) {
  BasicTokenBucket bucket(1, 4);
  ASSERT_TRUE(bucket.try_take(1, kStart));
  bucket.give_back(3, kStart);
  EXPECT_DOUBLE_EQ(bucket.available(kStart), 4);
}

TEST(TokenBucketTest, SetRateKeepsTokensEarnedAtTheOldRate) {
  BasicTokenBucket bucket(1, 10, 0, kStart);
  bucket.set_rate(10, kStart + 2s);
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 2s), 2);
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 2500ms), 7);
}

TEST(TokenBucketTest, SetBurstCutsALevelAboveIt) {
  BasicTokenBucket bucket(1, 10);
  bucket.set_burst(4, kStart);
  EXPECT_DOUBLE_EQ(bucket.available(kStart), 4);
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 10s), 4);
  EXPECT_THROW(bucket.set_burst(0, kStart), std::invalid_argument);
}

TEST(TokenBucketTest, SharedBucketIsRetargetedAtRunTime) {
  TokenBucket bucket(1, 1);
  ASSERT_EQ(bucket.reserve(1, kStart), kStart);
  bucket.set_rate(100, 50, kStart);
  EXPECT_DOUBLE_EQ(bucket.rate(), 100);
  EXPECT_DOUBLE_EQ(bucket.burst(), 50);
  EXPECT_EQ(bucket.reserve(10, kStart), kStart + 100ms);
  EXPECT_DOUBLE_EQ(bucket.available(kStart + 1s), 50);
}

TEST(TokenBucketTest, StartsWithTheLevelItIsGiven) {
  const BasicTokenBucket bucket(2, 5, -1, kStart);
  EXPECT_DOUBLE_EQ(bucket.available(kStart), -1);
  EXPECT_EQ(bucket.ready_at(1, kStart), kStart + 1s);
  EXPECT_DOUBLE_EQ(BasicTokenBucket(2, 5, 9, kStart).available(kStart), 5);
}

TEST(TokenBucketTest, AbsurdlyLongWaitMeansNever) {
  BasicTokenBucket bucket(1e-12, 1);
  ASSERT_TRUE(bucket.try_take(1, kStart));
  EXPECT_EQ(bucket.ready_at(1, kStart), TimeSource::time_point::max());
}

TEST(TokenBucketTest, RejectsRatesAndBurstsThatAreNotPositive) {
  EXPECT_THROW(BasicTokenBucket(0, 1), std::invalid_argument);
  EXPECT_THROW(BasicTokenBucket(-1, 1), std::invalid_argument);
  EXPECT_THROW(BasicTokenBucket(1, 0), std::invalid_argument);
  EXPECT_THROW(BasicTokenBucket(std::numeric_limits<double>::infinity(), 1), std::invalid_argument);
  EXPECT_THROW(TokenBucket(std::numeric_limits<double>::quiet_NaN(), 1), std::invalid_argument);
  BasicTokenBucket bucket(1, 1);
  EXPECT_THROW(bucket.set_rate(0, kStart), std::invalid_argument);
}

// Each success is stamped with the clock read after it, a time by which the bucket had
// certainly earned the token; sorted, the i-th stamp must not come before the rate allows.
void expect_within_rate(std::vector<TimeSource::time_point> stamps, double rate, double burst) {
  std::sort(stamps.begin(), stamps.end());
  for (std::size_t i = 0; i < stamps.size(); ++i) {
    ASSERT_LE(static_cast<double>(i + 1), most_allowed(rate, burst, stamps[i]) + 1e-9)
        << "take " << i;
  }
}

TEST(TokenBucketTest, ManyThreadsTogetherStayWithinTheRate) {
  constexpr double kRate = 1000;
  constexpr double kBurst = 10;
  constexpr std::size_t kTakes = 300;
  ManualTimeSource clock;
  TokenBucket bucket(kRate, kBurst);
  std::mutex mutex;
  std::vector<TimeSource::time_point> stamps;  // guarded by mutex
  std::atomic<std::size_t> taken{0};
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        while (taken.fetch_add(1) < kTakes) {
          const auto paid = bucket.reserve(1, clock.now());
          std::lock_guard lock(mutex);
          stamps.push_back(paid);
        }
      });
    }
    while (taken.load() < kTakes) {
      clock.advance(1ms);
      std::this_thread::yield();
    }
  }
  ASSERT_EQ(stamps.size(), kTakes);
  expect_within_rate(stamps, kRate, kBurst);
}

TEST(TokenBucketTest, BlockingTakeSleepsExactlyUntilTheTokensArePaid) {
  ManualTimeSource clock;
  TokenBucket bucket(10, 1);
  ASSERT_TRUE(bucket.take_blocking(1, {}, clock));  // the bucket was full: no sleep
  std::atomic<bool> returned{false};
  bool result = false;
  std::jthread taker([&] {
    result = bucket.take_blocking(1, {}, clock);
    returned = true;
  });
  EXPECT_EQ(clock.wait_for_sleepers(1), std::vector{kStart + 100ms});
  clock.advance(99ms);
  EXPECT_FALSE(returned.load());
  clock.advance(1ms);
  taker.join();
  EXPECT_TRUE(result);
}

TEST(TokenBucketTest, BlockingTakeReturnsFalseOnStopAndGivesTheTokensBack) {
  ManualTimeSource clock;
  TokenBucket bucket(1, 1);
  ASSERT_EQ(bucket.reserve(1, kStart), kStart);  // the bucket's one token
  std::stop_source stop;
  bool result = true;
  std::jthread taker([&] { result = bucket.take_blocking(1, stop.get_token(), clock); });
  EXPECT_EQ(clock.wait_for_sleepers(1), std::vector{kStart + 1s});
  stop.request_stop();
  taker.join();
  EXPECT_FALSE(result);
  EXPECT_DOUBLE_EQ(bucket.available(kStart), 0);  // the reservation's debt is gone
  EXPECT_FALSE(bucket.take_blocking(1, stop.get_token(), clock));
}

TEST(TokenBucketTest, BlockingTakersShareTheRateInTurn) {
  constexpr double kRate = 100;
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kTakesEach = 10;
  ManualTimeSource clock;
  TokenBucket bucket(kRate, 1);
  std::mutex mutex;
  std::vector<TimeSource::time_point> stamps;  // guarded by mutex
  {
    std::vector<std::jthread> threads;
    for (std::size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (std::size_t i = 0; i < kTakesEach; ++i) {
          ASSERT_TRUE(bucket.take_blocking(1, {}, clock));
          std::lock_guard lock(mutex);
          stamps.push_back(clock.now());
        }
      });
    }
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stamps.size() == kThreads * kTakesEach) break;
      }
      clock.advance(1ms);
      std::this_thread::yield();
    }
  }
  expect_within_rate(stamps, kRate, 1);
  // 40 takes from a bucket of one at 100/s: the last cannot finish before 390 ms.
  EXPECT_GE(clock.now(), kStart + 390ms);
}

TEST(RealTimeSourceTest, SleepEndsAtOnceForAPastDeadlineOrARequestedStop) {
  TimeSource& clock = real_time_source();
  EXPECT_TRUE(clock.sleep_until(clock.now() - 1s, {}));
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(clock.sleep_until(clock.now() + 1h, stop.get_token()));
}

}  // namespace
}  // namespace sluice
