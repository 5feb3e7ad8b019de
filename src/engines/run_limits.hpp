// The caps of one run that all its transfers share: bandwidth, request rate, -c auto.
#pragma once

#include <optional>

#include "limit/adaptive_limit.hpp"
#include "limit/token_bucket.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// Built by an engine for its run from the options; each member is set only when its
// option is. Thread-safety: the limiters are thread-safe; the rest is read-only after
// construction. Lifetime: outlives every transfer of the run.
struct RunLimits {
  std::optional<TokenBucket> bandwidth;   // bytes per second over all transfers
  std::optional<TokenBucket> rate;        // request starts per second
  std::optional<int> receive_buffer;      // SO_RCVBUF for each socket under the bandwidth cap
  std::optional<AdaptiveLimit> adaptive;  // -c auto

  explicit RunLimits(const Options& options);
};

}  // namespace sluice::detail
