// `sluice watch`: the run core of a fetch run, with the job scheduler and the INBOX watcher
// in place of the reader thread.
#include "watch/watch_run.hpp"

#include <stop_token>

#include "run_checks.hpp"
#include "run_core.hpp"
#include "sluice/errors.hpp"
#include "watch/inbox_watcher.hpp"

namespace sluice::detail {
namespace {

// Admission holds few new URLs, unlike a fetch run's (-c and up to 2,048 more), because a
// URL of a job dropped now waits behind all the new URLs queued; the feeder refills as fast
// as slots free. Retries and parked URLs keep the fetch run's bound. Measured: docs/benchmarks.md.
constexpr std::size_t kFreshCapacity = 4;

}  // namespace

WatchRun::WatchRun(Options options, std::filesystem::path inbox, std::filesystem::path outbox)
    : options_(checked_run_options(std::move(options), {.watch = true})),
      resources_(open_run_resources(options_)),
      inbox_(inbox),
      folders_(inbox, std::move(outbox)) {}

WatchReport WatchRun::run(RunControl control, WatchCounters& counters, LiveCounters& live,
                          std::function<void(const JobOutcome&)> on_outcome) {
  global_curl_init();
  // As in a fetch run, items carry their host (WatchJob sets it), so that a server's
  // Retry-After and RateLimit headers slow its own host; per_host adds a cap (0: none).
  RunCore core(options_, resources_, live, kFreshCapacity);
  JobScheduler scheduler(folders_, options_, core, counters, live,
                         std::move(on_outcome));

  // A stop comes from the caller or from the watcher when INBOX goes away; either ends
  // admission at once and aborts the transfers in flight after the grace period.
  // Admission is never closed otherwise: empty means "no job has URLs right now".
  std::stop_source stop;
  std::string inbox_lost;  // written by the watcher thread, read after it was joined
  const std::stop_callback forward_stop(control.stop, [&] { stop.request_stop(); });
  scheduler.start();
  InboxWatcher watcher(inbox_,
                       {.on_file = [&](std::string name) { scheduler.add(std::move(name)); },
                        .on_lost =
                            [&](std::string reason) {
                              inbox_lost = std::move(reason);
                              stop.request_stop();
                            }});
  // The URLs a stop leaves in admission get cancelled records, which keep their jobs
  // unfinished: the next start fetches them.
  core.run(scheduler, stop.get_token(), control.abort);
  watcher.stop();
  return WatchReport{.unfinished = scheduler.stop(), .inbox_lost = inbox_lost};
}

}  // namespace sluice::detail
