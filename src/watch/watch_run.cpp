// `sluice watch`: the engine, its queue and the stop machinery of a fetch run, with the job
// scheduler and the INBOX watcher in place of the reader thread.
#include "watch/watch_run.hpp"

#include <stop_token>

#include "engines/engine.hpp"
#include "grace_timer.hpp"
#include "input/input_queue.hpp"
#include "limit/host_limiter.hpp"
#include "run_checks.hpp"
#include "sluice/errors.hpp"
#include "watch/inbox_watcher.hpp"

namespace sluice::detail {
namespace {

// The run's queue holds few new URLs, unlike a fetch run's (twice -c): a URL of a job
// dropped now waits behind all the new URLs queued, and the feeder refills the queue as
// fast as slots free. 4 URLs are 0.8 ms of work at 5,000 requests a second (the benchmark
// in docs/benchmarks.md; 16 measured 3.2 ms more at the median, and no throughput
// difference either way at 30,000 requests a second). Retries and URLs parked for their
// host keep the fetch run's bound, so that they never hold new jobs back.
constexpr std::size_t kFreshCapacity = 4;

Options checked(Options options) {
  // Slots, descriptors and the queue are sized for the most -c auto may reach.
  if (options.adaptive_concurrency) options.concurrency = options.max_concurrency;
  check_options(options);
  check_file_budget(options);
  prepare_output_dir(options);
  return options;
}

}  // namespace

WatchRun::WatchRun(Options options, std::filesystem::path inbox, std::filesystem::path outbox)
    : options_(checked(std::move(options))), inbox_(inbox), folders_(inbox, std::move(outbox)) {}

WatchReport WatchRun::run(RunControl control, WatchCounters& counters, LiveCounters& live,
                          std::function<void(const JobOutcome&)> on_outcome) {
  global_curl_init();
  // As in a fetch run, hosts are tracked so that a server's Retry-After and RateLimit
  // headers slow its own host; --per-host adds a cap (0: none).
  HostLimiter hosts(options_.per_host);
  InputQueue queue(2 * options_.concurrency + 1024, &hosts, kFreshCapacity);
  auto engine = make_engine(options_);
  JobScheduler scheduler(folders_, options_, queue, counters, live, std::move(on_outcome));

  // A stop comes from the caller or from the watcher when INBOX goes away; either ends
  // admission at once and aborts the transfers in flight after the grace period. The
  // queue is never closed otherwise: an empty queue means "no job has URLs right now".
  std::stop_source stop;
  std::stop_source abort_transfers;
  std::string inbox_lost;  // written by the watcher thread, read after it was joined
  const std::stop_callback forward_stop(control.stop, [&] { stop.request_stop(); });
  const std::stop_callback on_stop(stop.get_token(), [&] { queue.cancel(); });
  const std::stop_callback on_abort(control.abort, [&] {
    queue.cancel();
    abort_transfers.request_stop();
  });
  scheduler.start();
  InboxWatcher watcher(inbox_,
                       {.on_file = [&](std::string name) { scheduler.add(std::move(name)); },
                        .on_lost =
                            [&](std::string reason) {
                              inbox_lost = std::move(reason);
                              stop.request_stop();
                            }});
  {
    const GraceTimer grace(stop.get_token(), options_.grace, abort_transfers);
    engine->run(queue, scheduler, live, abort_transfers.get_token());
  }
  // The URLs a stop left queued or waiting for a retry get cancelled records, which keep
  // their jobs unfinished: the next start fetches them.
  cancel_queued(queue, scheduler);
  watcher.stop();
  return WatchReport{.unfinished = scheduler.stop(), .inbox_lost = inbox_lost};
}

}  // namespace sluice::detail
