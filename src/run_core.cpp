// One engine run over admission, with the stop, abort and grace machinery.
#include "run_core.hpp"

#include <algorithm>

#include "grace_timer.hpp"
#include "limit/time_source.hpp"
#include "scope_exit.hpp"

namespace sluice::detail {
namespace {

AdmissionSettings admission_settings(const Options& options, std::size_t fresh_capacity) {
  return AdmissionSettings{
      // A round of the concurrency, so that every slot can refill at once, plus as much again
      // (up to 1,024) and 1,024 more while the producer refills. Not twice the concurrency at
      // any size: an item is about 0.7 KiB, 7 MiB more at -c 10000 for no faster run.
      .capacity = options.concurrency + std::min<std::size_t>(options.concurrency, 1024) + 1024,
      .fresh_capacity = fresh_capacity,
      .per_host = options.per_host,
      .per_host_rate = options.per_host_rate,
      .rate = options.rate,
      .max_host_pause = options.max_retry_wait,
      .connect_window = options.connect_window,
  };
}

}  // namespace

RunCore::RunCore(const Options& options, const RunResources& resources, LiveCounters& live,
                 std::size_t fresh_capacity)
    : RunCore(options, live, fresh_capacity, make_engine(options, resources)) {}

RunCore::RunCore(const Options& options, LiveCounters& live, std::size_t fresh_capacity,
                 std::unique_ptr<Engine> engine)
    : options_(options),
      live_(live),
      admission_(admission_settings(options, fresh_capacity), make_concurrency_limit(options),
                 real_time_source(), &live),
      engine_(std::move(engine)) {}

void RunCore::run(RecordSink& sink, std::stop_token stop, std::stop_token abort) {
  std::stop_source abort_transfers;
  const std::stop_callback on_stop(stop, [&] { admission_.cancel(); });
  const std::stop_callback on_abort(abort, [&] {
    admission_.cancel();
    abort_transfers.request_stop();
  });
  // The URLs a stop (or a failing engine, which throws after it ended admission) left
  // queued, parked or waiting for a retry are cancelled, not lost.
  const ScopeExit cancel_leftovers([&] { cancel_queued(admission_, sink); });
  const GraceTimer grace(stop, options_.grace, abort_transfers);
  engine_->run(admission_, sink, live_, abort_transfers.get_token());
}

}  // namespace sluice::detail
