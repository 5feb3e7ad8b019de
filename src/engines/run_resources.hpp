// What every transfer of a run shares and the run opens once, before its first transfer:
// the output directory held open, and the --resolve list and request headers as libcurl takes
// them.
#pragma once

#include <optional>

#include "engines/curl_list.hpp"
#include "engines/resolve_list.hpp"
#include "limit/bandwidth_share.hpp"
#include "output/output_dir.hpp"

namespace sluice::detail {

// Thread-safe: read-only once built, so every engine thread may use it. Lifetime: built by
// the run (see open_run_resources in run_checks.hpp) and kept until its engine is gone.
struct RunResources {
  std::optional<OutputDir> output_dir;  // with Options::output_dir
  ResolveList resolve;                  // Options::resolve
  CurlList headers;                     // Options::headers
  // Options::headers without Authorization and Cookie, for a redirect hop to another host:
  // libcurl keeps those two from other hosts when it follows, and so does sluice.
  CurlList headers_elsewhere;
  // proxy_in_environment() when the run began; without one, transfers tell libcurl "no
  // proxy" instead of having it read the environment again for each.
  bool proxy_in_environment = true;
  // Worker mode: this worker's share of the job's Options::max_bandwidth, which the run's
  // bandwidth cap follows instead of the option; null in a local run. Owned by the worker.
  BandwidthShare* bandwidth_share = nullptr;
};

}  // namespace sluice::detail
