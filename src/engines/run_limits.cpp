// The bandwidth cap that all transfers of a run share: the byte bucket and the window budget.
#include "engines/run_limits.hpp"

#include "limit/bandwidth_pacer.hpp"

namespace sluice::detail {

RunLimits::RunLimits(const Options& options) {
  if (options.max_bandwidth > 0) {
    const auto cap = static_cast<double>(options.max_bandwidth);
    const double burst = options.bandwidth_burst > 0 ? static_cast<double>(options.bandwidth_burst)
                                                     : default_burst(cap);
    bandwidth.emplace(cap, burst);
    window.emplace(cap, options.concurrency);
  }
}

}  // namespace sluice::detail
