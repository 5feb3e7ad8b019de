// How long to wait before another try of a failed attempt.
#include "engines/retry_policy.hpp"

#include <algorithm>

#include "engines/request_method.hpp"

namespace sluice::detail {

RetryPolicy::RetryPolicy(const Options& options, std::uint64_t seed)
    : options_(options), random_(seed) {}

std::optional<std::chrono::milliseconds> RetryPolicy::next_wait(
    const FetchError& error, std::optional<int> status, int attempts,
    std::optional<std::chrono::seconds> retry_after, std::string_view method) {
  if (attempts > options_.retries || !is_transient(error, status)) return std::nullopt;
  if (!may_retry(method, options_)) return std::nullopt;
  const auto cap = options_.max_retry_wait;
  if (retry_after) return capped(*retry_after);
  // backoff * 2^(attempts-1), saturating at the cap long before the shift could overflow.
  auto ceiling = options_.retry_backoff;
  for (int i = 1; i < attempts && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  std::uniform_int_distribution<std::chrono::milliseconds::rep> draw(0, ceiling.count());
  return std::chrono::milliseconds(draw(random_));
}

std::chrono::milliseconds RetryPolicy::capped(std::chrono::seconds retry_after) const {
  return std::min<std::chrono::milliseconds>(retry_after, options_.max_retry_wait);
}

}  // namespace sluice::detail
