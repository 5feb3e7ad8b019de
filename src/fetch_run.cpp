// One fetch run: a reader thread streams the sources into admission, the engine starts what
// it admits, and records leave through the caller's sink.
#include "fetch_run.hpp"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "file_budget.hpp"
#include "input/reader_cancel.hpp"
#include "limit/host_key.hpp"
#include "limit/time_source.hpp"
#include "output/binding_meter.hpp"
#include "run_checks.hpp"
#include "run_core.hpp"
#include "scope_exit.hpp"
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

std::optional<ResumeIndex> load_resume_index(const Options& options) {
  if (!options.resume_from) return std::nullopt;
  auto index = ResumeIndex::load(*options.resume_from, options.retry_failed);
  if (!index) throw UsageError("resume_from", ": " + index.error());
  return std::move(*index);
}

std::optional<StatsLog> open_stats_log(const Options& options) {
  if (!options.stats_log) return std::nullopt;
  auto log = StatsLog::open(*options.stats_log);
  if (!log) throw UsageError("stats_log", ": " + log.error());
  return std::move(*log);
}

// The files counted first: the options are moved into the check.
Options checked(Options options, const std::vector<std::string>& sources) {
  const RunFiles files = fetch_run_files(options, sources);
  return checked_run_options(std::move(options), files);
}

}  // namespace

FetchRun::FetchRun(Options options, std::vector<std::string> sources, EngineMaker engine)
    : options_(checked(std::move(options), sources)),
      reader_(options_.literal_sources
                  ? SourceReader::literal(std::move(sources))
                  : SourceReader(std::move(sources),
                                 SourceLimits{.max_expansion = options_.max_expansion,
                                              .max_line_bytes = 65536})),
      stats_log_(open_stats_log(options_)),
      resources_(open_run_resources(options_)),
      // Last, as reading it may rewrite the file: a usage error before leaves it untouched.
      resume_(load_resume_index(options_)),
      engine_(std::move(engine)) {}

std::optional<ResumeReport> FetchRun::resume_report() const {
  if (!resume_) return std::nullopt;
  return ResumeReport{.final_records = resume_->final_records(),
                      .bad_lines = resume_->skipped_lines(),
                      .first_bad_line = resume_->first_bad_line(),
                      .ends_mid_line = resume_->ends_mid_line()};
}

FetchReport FetchRun::run(RecordSink& sink, RunControl control, LiveCounters* live) {
  global_curl_init();

  LiveCounters own_counters;
  LiveCounters& counters = live != nullptr ? *live : own_counters;
  // Hosts are tracked on every run of the library's engines, so that a server's
  // Retry-After and RateLimit headers slow its own host; per_host adds a cap (0: none).
  // An engine the caller gave (engine_) knows nothing of hosts.
  const bool track_hosts = !engine_;
  RunCore core(options_, counters, 0,
               track_hosts ? make_engine(options_, resources_) : engine_(options_, resources_));
  Admission& admission = core.admission();

  const ReaderCancel reader_cancel;

  ResumeSkips skips;

  const auto started = std::chrono::steady_clock::now();
  BindingMeter meter(
      counters, options_.adaptive_concurrency ? 0 : options_.concurrency,
      [&admission](bool name_host) {
        auto occupancy = admission.occupancy(name_host);
        return QueueGauges{.queued = occupancy.queued,
                           .parked = occupancy.parked,
                           .busiest_host = std::move(occupancy.busiest_host)};
      },
      stats_log_ ? &*stats_log_ : nullptr, real_time_source());
  CountingSink counting(sink, counters, meter);
  std::jthread reader_thread([&] {
    reader_.read_all(
        [&](InputItem&& item) {
          if (skips.skip(resume_, item.url)) return true;
          if (track_hosts && !item.error) item.host = host_key_of_checked_url(item.fetch_url);
          if (!admission.push(std::move(item))) return false;
          counters.urls_read.fetch_add(1, std::memory_order_relaxed);
          return true;
        },
        reader_cancel.fd());
    counters.input_complete.store(true, std::memory_order_relaxed);
    admission.close();
  });
  // Whether the engine returns or throws, the reader must be released from a full
  // admission or a waiting read before the thread is joined.
  const ScopeExit release_reader([&] {
    admission.cancel();
    reader_cancel.signal();
  });
  core.run(counting, control.stop, control.abort);
  reader_cancel.signal();
  reader_thread.join();
  const auto wall = std::chrono::steady_clock::now() - started;
  const Binding bound_by = meter.finish();

  return FetchReport{
      .urls = counting.count(),
      .skipped = skips.skipped(),
      .skipped_failures = skips.failures(),
      .wall_ms = std::chrono::duration<double, std::milli>(wall).count(),
      .stopped = control.stop.stop_requested() || control.abort.stop_requested(),
      .final_limit = counters.limit.load(std::memory_order_relaxed),
      .bound_by = bound_by,
      .stats_log_error = meter.log_error(),
  };
}

}  // namespace sluice::detail
