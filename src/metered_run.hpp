// A run core with what a caller-facing run reports: records counted as they pass, the sampler
// that names what bound the run (and writes Options::stats_log), and the FetchReport. Shared by
// Fetcher (fed by its reader thread) and Run (fed by the caller's pushes).
#pragma once

#include <memory>
#include <optional>

#include "engines/engine.hpp"
#include "output/stats_log.hpp"
#include "run_core.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// The producer feeds admission() from its own thread while run() runs, as with RunCore.
// Thread-safety: admission() is thread-safe; run() is called once. Lifetime: `options`,
// `live` and `stats_log` (may be null) must outlive it.
class MeteredRun {
 public:
  MeteredRun(const Options& options, LiveCounters& live, std::unique_ptr<Engine> engine,
             StatsLog* stats_log);

  Admission& admission() noexcept { return core_.admission(); }

  // RunCore::run with the records counted and sampled. The report's urls, wall_ms, stopped,
  // final_limit, bound_by and stats_log_error are set; the caller adds the rest.
  FetchReport run(RecordSink& sink, RunControl control);

 private:
  const Options& options_;
  LiveCounters& live_;
  StatsLog* const stats_log_;
  RunCore core_;
};

// Opens Options::stats_log; throws UsageError naming the option when it cannot.
std::optional<StatsLog> open_stats_log(const Options& options);

}  // namespace sluice::detail
