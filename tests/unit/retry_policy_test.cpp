// Tests for the retry policy: only transient failures retried, the exponential ceiling of
// the waits and their full jitter, the caps, and Retry-After.
#include "engines/retry_policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace sluice {
namespace {

using namespace detail;
using namespace std::chrono_literals;

const FetchError kReset{ErrorKind::Network, "Recv failure"};

Options retrying(int retries, std::chrono::milliseconds backoff, std::chrono::milliseconds cap) {
  Options options;
  options.retries = retries;
  options.retry_backoff = backoff;
  options.max_retry_wait = cap;
  return options;
}

TEST(RetryPolicyTest, StopsAfterTheLastRetry) {
  const auto options = retrying(2, 100ms, 60s);
  RetryPolicy policy(options, 1);
  EXPECT_TRUE(policy.next_wait(kReset, std::nullopt, 1, std::nullopt));
  EXPECT_TRUE(policy.next_wait(kReset, std::nullopt, 2, std::nullopt));
  EXPECT_FALSE(policy.next_wait(kReset, std::nullopt, 3, std::nullopt));
  EXPECT_FALSE(policy.next_wait({ErrorKind::Http, ""}, 404, 1, std::nullopt));
}

// Retry n draws uniformly from [0, backoff * 2^(n-1)]: the waits of each retry fill their
// whole range (from near 0 to near the ceiling, about half of it on average), and the ceiling
// doubles from one retry to the next.
TEST(RetryPolicyTest, OnlyGetHeadAndOptionsAreRetriedUnlessAllMethodsAre) {
  Options options;
  RetryPolicy policy(options, 1);
  EXPECT_TRUE(policy.next_wait(kReset, std::nullopt, 1, std::nullopt, "OPTIONS"));
  EXPECT_FALSE(policy.next_wait(kReset, std::nullopt, 1, std::nullopt, "POST"));
  EXPECT_FALSE(policy.next_wait(kReset, 503, 1, std::nullopt, "PUT"));
  options.retry_all_methods = true;
  EXPECT_TRUE(policy.next_wait(kReset, std::nullopt, 1, std::nullopt, "POST"));
}

TEST(RetryPolicyTest, WaitsAreFullyJitteredUnderADoublingCeiling) {
  const auto options = retrying(10, 100ms, 60s);
  RetryPolicy policy(options, 7);
  constexpr int kDraws = 2'000;
  for (int attempts = 1; attempts <= 5; ++attempts) {
    const auto ceiling = 100ms * (1 << (attempts - 1));
    auto lowest = ceiling;
    auto highest = 0ms;
    double sum_ms = 0;
    for (int i = 0; i < kDraws; ++i) {
      const auto wait = policy.next_wait(kReset, std::nullopt, attempts, std::nullopt);
      ASSERT_TRUE(wait);
      ASSERT_GE(*wait, 0ms);
      ASSERT_LE(*wait, ceiling) << "retry " << attempts;
      lowest = std::min(lowest, *wait);
      highest = std::max(highest, *wait);
      sum_ms += static_cast<double>(wait->count());
    }
    const double ceiling_ms = static_cast<double>(ceiling.count());
    EXPECT_LT(lowest, ceiling / 20) << "retry " << attempts;
    EXPECT_GT(highest, ceiling * 19 / 20) << "retry " << attempts;
    EXPECT_NEAR(sum_ms / kDraws, ceiling_ms / 2, ceiling_ms * 0.05) << "retry " << attempts;
  }
}

TEST(RetryPolicyTest, TheCeilingStopsAtMaxRetryWait) {
  const auto options = retrying(100, 1s, 5s);
  RetryPolicy policy(options, 3);
  auto highest = 0ms;
  for (int i = 0; i < 1'000; ++i) {
    const auto wait = policy.next_wait(kReset, std::nullopt, 60, std::nullopt);
    ASSERT_TRUE(wait);
    ASSERT_LE(*wait, 5s);
    highest = std::max(highest, *wait);
  }
  EXPECT_GT(highest, 4s);
}

TEST(RetryPolicyTest, RetryAfterReplacesTheBackoffAndIsCapped) {
  const auto options = retrying(2, 100ms, 30s);
  RetryPolicy policy(options, 5);
  EXPECT_EQ(policy.next_wait({ErrorKind::Http, ""}, 503, 1, 7s), 7000ms);
  EXPECT_EQ(policy.next_wait({ErrorKind::Http, ""}, 429, 1, 3600s), 30s);
  EXPECT_EQ(policy.capped(3600s), 30s);
  // Retry-After does not make a permanent failure transient, nor extend the retries.
  EXPECT_FALSE(policy.next_wait({ErrorKind::Http, ""}, 404, 1, 7s));
  EXPECT_FALSE(policy.next_wait({ErrorKind::Http, ""}, 503, 3, 7s));
}

}  // namespace
}  // namespace sluice
