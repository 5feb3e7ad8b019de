// How many descriptors a run may hold at once, counted from what holds them.
#include "file_budget.hpp"

#include <algorithm>

#include "engines/event_loop_engine.hpp"
#include "engines/event_loop_group.hpp"
#include "watch/job_scheduler.hpp"

namespace sluice::detail {
namespace {

// Standard input, output and error.
constexpr std::uint64_t kStdio = 3;
// The results file, the summary file, the stats log and the resume file (read at start).
constexpr std::uint64_t kOutputFiles = 4;
// -o DIR, held open for the run (see RunResources).
constexpr std::uint64_t kOutputDir = 1;
// The input reader's cancel eventfd (fetch runs; a watch job has its own).
constexpr std::uint64_t kReaderWakeUp = 1;
// Name lookups: libcurl 7.88's threaded resolver opens a socket pair per lookup, held until
// the lookup ends, and getaddrinfo opens /etc/hosts or a socket of its own meanwhile. Room
// for 16 lookups at once; a lookup beyond finds no descriptor, waits and is tried again.
constexpr std::uint64_t kLookups = 16 * 4;
// What libcurl, OpenSSL and the C library open for a moment: CA certificates, /dev/urandom,
// nsswitch.conf.
constexpr std::uint64_t kLibraries = 16;
// Each event loop's epoll instance and its wake-up eventfd.
constexpr std::uint64_t kEventLoop = 2;
// A multi handle's wake-up socket pair (libcurl 7.88): each event-loop shard has one, and
// so has the private multi handle that curl_easy_perform keeps with each worker's handle.
constexpr std::uint64_t kMultiWakeUp = 2;
// The connections of an event-loop transfer: CURLMOPT_MAX_TOTAL_CONNECTIONS holds each shard
// to one per slot, idle ones included.
constexpr std::uint64_t kLoopConnections = 1;
// The connections of a worker's easy handle: the one in use, and one idle one kept alive
// from the worker's last host (CURLOPT_MAXCONNECTS 1).
constexpr std::uint64_t kWorkerConnections = 2;
// A watch job: its list, its reader's cancel eventfd, its partial results, and the summary
// it writes (or the results it resumes from) at its end (its start).
constexpr std::uint64_t kPerJob = 4;
// Watch mode's INBOX watcher: its inotify instance and its stop eventfd.
constexpr std::uint64_t kInboxWatcher = 2;

}  // namespace

std::string FileBudget::describe() const {
  std::string text = std::to_string(per_transfer) + " per transfer (" + transfer_holds + ") for " +
                     std::to_string(transfers) + " transfers, ";
  if (jobs > 0) {
    text += std::to_string(per_job) + " per job for " + std::to_string(jobs) + " watch jobs, ";
  }
  return text + "and " + std::to_string(fixed) + " for the rest";
}

FileBudget file_budget(const Options& options, const RunFiles& run) {
  FileBudget budget;
  budget.transfers = options.concurrency;
  budget.fixed = kStdio + kOutputFiles + kLookups + kLibraries + run.list_files;
  // The thread engine's workers each block in curl_easy_perform on a handle of their own; the
  // event loop's transfers share multi handles.
  if (options.engine == EngineKind::Threads) {
    budget.per_transfer = kWorkerConnections + kMultiWakeUp;
    budget.transfer_holds = "2 connections, a wake-up pair";
  } else {
    budget.per_transfer = kLoopConnections;
    budget.transfer_holds = "a connection";
    for (const std::size_t slots :
         loop_capacities(options.concurrency, event_loop_count(options))) {
      budget.fixed += kEventLoop + EventLoopEngine::shard_count(slots) * kMultiWakeUp;
    }
  }
  if (options.output_dir) {
    budget.per_transfer += 1;
    budget.transfer_holds += ", a saved body";
    budget.fixed += kOutputDir;
  }
  if (run.watch) {
    budget.jobs = JobScheduler::kMaxOpenJobs;
    budget.per_job = kPerJob;
    budget.fixed += kInboxWatcher;
  } else {
    budget.fixed += kReaderWakeUp;
  }
  return budget;
}

RunFiles fetch_run_files(const Options& options, const std::vector<std::string>& sources) {
  if (options.literal_sources) return {};
  return {.list_files = static_cast<std::size_t>(std::ranges::count_if(
              sources, [](const std::string& source) { return source.starts_with('@'); }))};
}

}  // namespace sluice::detail
