// The caps of one run that all its transfers share: bandwidth, request rate, -c auto.
#include "engines/run_limits.hpp"

#include <algorithm>

#include "limit/bandwidth_pacer.hpp"

namespace sluice::detail {

RunLimits::RunLimits(const Options& options) {
  if (options.max_bandwidth > 0) {
    const auto cap = static_cast<double>(options.max_bandwidth);
    const double burst = options.bandwidth_burst > 0 ? static_cast<double>(options.bandwidth_burst)
                                                     : default_burst(cap);
    bandwidth.emplace(cap, burst);
    receive_buffer = receive_buffer_bytes(cap, options.concurrency);
  }
  // One request's token is the whole burst: starts are spaced evenly, never bunched.
  if (options.rate > 0) rate.emplace(options.rate, 1.0);
  if (options.adaptive_concurrency) {
    adaptive.emplace(AdaptiveLimitSettings{
        .initial = std::min<std::size_t>(10, options.concurrency), .max = options.concurrency});
  }
}

}  // namespace sluice::detail
