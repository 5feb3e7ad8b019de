// The bandwidth cap that all transfers of a run share.
#pragma once

#include <optional>

#include "limit/token_bucket.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// Built by an engine for its run from the options; each member is set only when its
// option is. The request rate and -c auto belong to Admission, which decides the starts.
// Thread-safety: the bucket is thread-safe; the rest is read-only after construction.
// Lifetime: outlives every transfer of the run.
struct RunLimits {
  std::optional<TokenBucket> bandwidth;  // bytes per second over all transfers
  std::optional<int> receive_buffer;     // SO_RCVBUF for each socket under the bandwidth cap

  explicit RunLimits(const Options& options);
};

}  // namespace sluice::detail
