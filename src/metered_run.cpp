// A run core with its records counted and sampled, and the report made of them.
#include "metered_run.hpp"

#include <atomic>
#include <chrono>
#include <utility>

#include "limit/time_source.hpp"
#include "output/binding_meter.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

// Counts records as they pass, so the report and the gauges say how many reached the
// caller, and shows each to the meter. Both engines deliver through it.
class CountingSink final : public RecordSink {
 public:
  CountingSink(RecordSink& next, LiveCounters& live, BindingMeter& meter)
      : next_(next), live_(live), meter_(meter) {}
  void on_record(Record&& record) override {
    count_.fetch_add(1, std::memory_order_relaxed);
    live_.records.fetch_add(1, std::memory_order_relaxed);
    if (record.ok) live_.ok.fetch_add(1, std::memory_order_relaxed);
    live_.bytes.fetch_add(record.bytes, std::memory_order_relaxed);
    meter_.on_record(record);
    next_.on_record(std::move(record));
  }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  RecordSink& next_;
  LiveCounters& live_;
  BindingMeter& meter_;
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace

std::optional<StatsLog> open_stats_log(const Options& options) {
  if (!options.stats_log) return std::nullopt;
  auto log = StatsLog::open(*options.stats_log);
  if (!log) throw UsageError("stats_log", ": " + log.error());
  return std::move(*log);
}

MeteredRun::MeteredRun(const Options& options, LiveCounters& live, std::unique_ptr<Engine> engine,
                       StatsLog* stats_log)
    : options_(options),
      live_(live),
      stats_log_(stats_log),
      core_(options, live, 0, std::move(engine)) {}

FetchReport MeteredRun::run(RecordSink& sink, RunControl control) {
  Admission& admission = core_.admission();
  const auto started = std::chrono::steady_clock::now();
  BindingMeter meter(
      live_, options_.adaptive_concurrency ? 0 : options_.concurrency,
      [&admission](bool name_host) {
        auto occupancy = admission.occupancy(name_host);
        return QueueGauges{.queued = occupancy.queued,
                           .parked = occupancy.parked,
                           .busiest_host = std::move(occupancy.busiest_host)};
      },
      stats_log_, real_time_source());
  CountingSink counting(sink, live_, meter);
  core_.run(counting, control.stop, control.abort);
  const auto wall = std::chrono::steady_clock::now() - started;
  const Binding bound_by = meter.finish();
  return FetchReport{
      .urls = counting.count(),
      .wall_ms = std::chrono::duration<double, std::milli>(wall).count(),
      .stopped = control.stop.stop_requested() || control.abort.stop_requested(),
      .final_limit = live_.limit.load(std::memory_order_relaxed),
      .event_loops = core_.event_loops(),
      .bound_by = bound_by,
      .stats_log_error = meter.log_error(),
  };
}

}  // namespace sluice::detail
