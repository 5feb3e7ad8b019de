// The bandwidth cap that all transfers of a run share (the byte bucket and the window budget),
// and the link controller that sets it under --max-bandwidth auto.
#include "engines/run_limits.hpp"

#include <cmath>

#include "limit/bandwidth_pacer.hpp"
#include "limit/time_source.hpp"

namespace sluice::detail {

RunLimits::RunLimits(const Options& options, BandwidthShare* share) {
  if (options.adaptive_bandwidth) {
    const LinkControllerSettings settings;
    const double burst = options.bandwidth_burst > 0 ? static_cast<double>(options.bandwidth_burst)
                                                     : default_burst(settings.initial_rate);
    bandwidth.emplace(settings.initial_rate, burst);
    // The windows follow the pace: publish_link_rate retargets the budget with the bucket.
    window.emplace(settings.initial_rate, options.concurrency);
    link = std::make_unique<LinkController>(
        settings, [this](double pace, double rate, TimeSource::time_point now) {
          publish_link_rate(pace, rate, now);
        });
    link_sampler = std::make_unique<LinkSampler>(*link);
    fixed_burst_ = options.bandwidth_burst > 0;
  } else if (options.max_bandwidth > 0) {
    const double cap = share != nullptr
                           ? share->rate().value_or(static_cast<double>(options.max_bandwidth))
                           : static_cast<double>(options.max_bandwidth);
    const double burst = options.bandwidth_burst > 0 ? static_cast<double>(options.bandwidth_burst)
                                                     : default_burst(cap);
    bandwidth.emplace(cap, burst);
    window.emplace(cap, options.concurrency);
    fixed_burst_ = options.bandwidth_burst > 0;
    if (share != nullptr) {
      share_ = share;
      share_->follow([this](double rate) { retarget(rate, real_time_source().now()); });
    }
  }
}

RunLimits::~RunLimits() {
  if (share_ != nullptr) share_->unfollow();
}

void RunLimits::retarget(double rate, TimeSource::time_point now) {
  bandwidth->set_rate(rate, fixed_burst_ ? bandwidth->burst() : default_burst(rate), now);
  // The one mechanism that bounds the windows: the budget follows the pace, for the sockets
  // and starts that come after this.
  window->set_rate(rate);
}

void RunLimits::publish_link_rate(double pacing_rate, double link_rate,
                                  TimeSource::time_point now) {
  retarget(pacing_rate, now);
  if (live_ != nullptr) {
    live_->link_rate.store(static_cast<std::uint64_t>(std::llround(link_rate)),
                           std::memory_order_relaxed);
  }
}

}  // namespace sluice::detail
