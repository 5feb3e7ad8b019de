// One fetch run over its sources: the reader thread, admission and the engine (through the
// run core), the meter and the resume skips. Fetcher is made of it; sluice's own tools use it
// to run an engine that the library does not offer (tools/sluice/textbook/).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engines/engine.hpp"
#include "engines/run_resources.hpp"
#include "input/resume_index.hpp"
#include "input/source_reader.hpp"
#include "output/stats_log.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// Makes the engine of one run from the run's options.
using EngineMaker =
    std::function<std::unique_ptr<Engine>(const Options&, const RunResources&)>;

// Not thread-safe; run() is called at most once (see Fetcher).
class FetchRun {
 public:
  // Checks and opens everything as Fetcher(options, sources) does; throws UsageError naming
  // the first problem. With `engine`, the run is on the engine it makes instead of the one
  // Options::engine names; its items then carry no host, so neither Options::per_host nor a
  // server's Retry-After or RateLimit headers hold any URL back.
  FetchRun(Options options, std::vector<std::string> sources, EngineMaker engine = {});

  // As Fetcher::run and Fetcher::resume_report.
  FetchReport run(RecordSink& sink, RunControl control, LiveCounters* live);
  std::optional<ResumeReport> resume_report() const;

 private:
  Options options_;
  SourceReader reader_;
  std::optional<StatsLog> stats_log_;  // written by the meter's thread only, during run()
  RunResources resources_;             // read-only, shared by the engine's transfers
  std::optional<ResumeIndex> resume_;  // used by the reader thread only, during run()
  EngineMaker engine_;                 // empty: the engine Options::engine names
};

}  // namespace sluice::detail
