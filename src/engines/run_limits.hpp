// The bandwidth cap that all transfers of a run share (the byte bucket and the window budget),
// and the link controller that sets it under --max-bandwidth auto.
#pragma once

#include <memory>
#include <optional>

#include "engines/link_sampler.hpp"
#include "limit/bandwidth_share.hpp"
#include "limit/link_controller.hpp"
#include "limit/token_bucket.hpp"
#include "limit/window_budget.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// Built by an engine for its run from the options; each member is set only when its
// option is. The request rate and -c auto belong to Admission, which decides the starts.
// Thread-safety: the bucket and the controller are thread-safe; the rest is read-only once
// the transfers start. Lifetime: outlives every transfer of the run.
struct RunLimits {
  std::optional<TokenBucket> bandwidth;  // bytes per second over all transfers
  // The receive windows under the bandwidth cap: each socket's SO_RCVBUF, and how many
  // transfers may receive at once. Set with `bandwidth`; under auto, publish_link_rate
  // retargets both.
  std::optional<WindowBudget> window;
  // --max-bandwidth auto: fed by every transfer, it retargets `bandwidth` and `window`
  // through publish_link_rate.
  std::unique_ptr<LinkController> link;
  std::unique_ptr<LinkSampler> link_sampler;  // what feeds `link`

  // With `share` (worker mode, a fixed --max-bandwidth): the cap is the share's rate, and
  // follows it from then until destruction.
  explicit RunLimits(const Options& options, BandwidthShare* share = nullptr);
  ~RunLimits();
  RunLimits(const RunLimits&) = delete;
  RunLimits& operator=(const RunLimits&) = delete;

  // Shows the learned rate in `live` from now on; called before the first transfer starts.
  void report_to(LiveCounters& live) noexcept { live_ = &live; }

 private:
  // The one place the learned rate goes out: the pace to the shared bucket and the window
  // budget, the link's rate to the live gauges (and so to --stats-log and the summary).
  // Called by the controller.
  void publish_link_rate(double pacing_rate, double link_rate, TimeSource::time_point now);
  // The bucket and the window budget to a new cap.
  void retarget(double rate, TimeSource::time_point now);

  LiveCounters* live_ = nullptr;     // set before any transfer, so before any publication
  bool fixed_burst_ = false;         // --bandwidth-burst given: the pace changes, the depth not
  BandwidthShare* share_ = nullptr;  // followed while set
};

}  // namespace sluice::detail
