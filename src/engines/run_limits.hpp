// The bandwidth cap that all transfers of a run share: the byte bucket and the window budget.
#pragma once

#include <optional>

#include "limit/token_bucket.hpp"
#include "limit/window_budget.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// Built by an engine for its run from the options; each member is set only when its
// option is. The request rate and -c auto belong to Admission, which decides the starts.
// Thread-safety: the bucket is thread-safe; the rest is read-only after construction.
// Lifetime: outlives every transfer of the run.
struct RunLimits {
  std::optional<TokenBucket> bandwidth;  // bytes per second over all transfers
  // The receive windows under the bandwidth cap: each socket's SO_RCVBUF, and how many
  // transfers may receive at once. A controller that retargets the bucket's rate at run
  // time retargets this too (WindowBudget::set_rate).
  std::optional<WindowBudget> window;

  explicit RunLimits(const Options& options);
};

}  // namespace sluice::detail
