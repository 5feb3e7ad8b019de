// How long to wait before another try of a failed attempt (which failures are worth one:
// is_transient in record_rules.hpp).
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

#include "record_rules.hpp"
#include "sluice/options.hpp"
#include "sluice/record.hpp"

namespace sluice::detail {

// Thread-safety: none; each engine thread owns one. The random draws come from a private
// generator, so two threads never share its state.
class RetryPolicy {
 public:
  RetryPolicy(const Options& options, std::uint64_t seed);

  // The wait before the next attempt of a URL whose attempt number `attempts` (from 1)
  // just failed with `error`, or nullopt when that failure is final. `retry_after` is what
  // the server's Retry-After header asked for, if it sent one. A request of `method` other
  // than GET, HEAD and OPTIONS is never sent again unless Options::retry_all_methods: the
  // server may have acted on it already.
  std::optional<std::chrono::milliseconds> next_wait(
      const FetchError& error, std::optional<int> status, int attempts,
      std::optional<std::chrono::seconds> retry_after, std::string_view method = "GET");
  // A server's Retry-After as sluice obeys it: capped by Options::max_retry_wait.
  std::chrono::milliseconds capped(std::chrono::seconds retry_after) const;

 private:
  const Options& options_;
  std::mt19937_64 random_;
};

}  // namespace sluice::detail
