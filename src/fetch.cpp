// fetch(): the one-way pipeline of a run — a reader thread streams the sources into
// admission, the engine starts what it admits, and records leave through the caller's sink.

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "input/reader_cancel.hpp"
#include "input/resume_index.hpp"
#include "input/source_reader.hpp"
#include "limit/clock.hpp"
#include "limit/host_key.hpp"
#include "output/binding_meter.hpp"
#include "output/stats_log.hpp"
#include "run_checks.hpp"
#include "run_core.hpp"
#include "scope_exit.hpp"
#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"

namespace sluice {

using namespace detail;

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
  if (!index) throw UsageError("--resume: " + index.error());
  return std::move(*index);
}

std::optional<StatsLog> open_stats_log(const Options& options) {
  if (!options.stats_log) return std::nullopt;
  auto log = StatsLog::open(*options.stats_log);
  if (!log) throw UsageError("--stats-log: " + log.error());
  return std::move(*log);
}

}  // namespace

struct Fetcher::State {
  Options options;
  SourceReader reader;
  std::optional<ResumeIndex> resume;  // used by the reader thread only, during run()
  std::optional<StatsLog> stats_log;  // written by the meter's thread only, during run()
};

Fetcher::Fetcher(Options options, std::vector<std::string> sources) {
  // Slots, descriptors and admission are sized for the most -c auto may reach.
  if (options.adaptive_concurrency) options.concurrency = options.max_concurrency;
  check_options(options);
  check_file_budget(
      options, {.list_files = static_cast<std::size_t>(std::ranges::count_if(
                    sources, [](const std::string& source) { return source.starts_with('@'); }))});
  SourceReader reader(std::move(sources), SourceLimits{.max_expansion = options.max_expansion,
                                                       .max_line_bytes = 65536});
  auto stats_log = open_stats_log(options);
  prepare_output_dir(options);
  // Last, as it may rewrite the file: a usage error above leaves it untouched.
  auto resume = load_resume_index(options);
  state_ = std::make_unique<State>(
      State{std::move(options), std::move(reader), std::move(resume), std::move(stats_log)});
}

std::optional<ResumeReport> Fetcher::resume_report() const {
  const auto& index = state_->resume;
  if (!index) return std::nullopt;
  return ResumeReport{.final_records = index->final_records(),
                      .bad_lines = index->skipped_lines(),
                      .first_bad_line = index->first_bad_line(),
                      .ends_mid_line = index->ends_mid_line()};
}

Fetcher::~Fetcher() = default;

FetchReport Fetcher::run(RecordSink& sink, RunControl control, LiveCounters* live) {
  global_curl_init();
  const Options& options = state_->options;

  LiveCounters own_counters;
  LiveCounters& counters = live != nullptr ? *live : own_counters;
  // Hosts are tracked on every run of the loop and thread engines, so that a server's
  // Retry-After and RateLimit headers slow its own host; --per-host adds a cap (0: none).
  // The textbook engines are kept as the textbook has them.
  const bool track_hosts =
      options.engine == EngineKind::EventLoop || options.engine == EngineKind::Threads;
  RunCore core(options, counters);
  Admission& admission = core.admission();

  const ReaderCancel reader_cancel;

  ResumeSkips skips;

  const auto started = std::chrono::steady_clock::now();
  BindingMeter meter(
      counters, options.adaptive_concurrency ? 0 : options.concurrency,
      [&admission](bool name_host) {
        auto occupancy = admission.occupancy(name_host);
        return QueueGauges{.queued = occupancy.queued,
                           .parked = occupancy.parked,
                           .busiest_host = std::move(occupancy.busiest_host)};
      },
      state_->stats_log ? &*state_->stats_log : nullptr, real_clock());
  CountingSink counting(sink, counters, meter);
  std::jthread reader_thread([&] {
    state_->reader.read_all(
        [&](InputItem&& item) {
          if (skips.skip(state_->resume, item.url)) return true;
          if (track_hosts && !item.error) item.host = host_key(item.fetch_url).value_or("");
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

FetchReport fetch(const Options& options, std::vector<std::string> sources, RecordSink& sink,
                  RunControl control, LiveCounters* live) {
  Fetcher fetcher(options, std::move(sources));
  return fetcher.run(sink, control, live);
}

}  // namespace sluice
