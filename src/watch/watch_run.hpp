// `sluice watch`: one long-lived engine run, fed by the jobs that list files dropped into
// INBOX become, so that all jobs share one set of caps.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include "engines/run_resources.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"
#include "watch/job_folders.hpp"
#include "watch/job_scheduler.hpp"

namespace sluice::detail {

struct WatchReport {
  std::size_t unfinished = 0;  // jobs left in INBOX or .active for the next start
  std::string inbox_lost;      // why the run ended by itself (INBOX went away); else empty
};

// Not thread-safe; run() is called once.
class WatchRun {
 public:
  // Checks the options as a fetch run does (threads or loop engine only) and creates the
  // folders. Throws UsageError naming the first problem.
  WatchRun(Options options, std::filesystem::path inbox, std::filesystem::path outbox);

  // Runs until `control` stops it (admission ends, transfers in flight get the grace,
  // every record read is written) or INBOX goes away (the same, without a signal). The
  // counters are live for a status line; `on_outcome` hears of each job done or failed,
  // on the scheduler's thread.
  WatchReport run(RunControl control, WatchCounters& counters, LiveCounters& live,
                  std::function<void(const JobOutcome&)> on_outcome);

 private:
  Options options_;
  RunResources resources_;  // read-only, shared by the engine's transfers
  std::filesystem::path inbox_;
  JobFolders folders_;
};

}  // namespace sluice::detail
