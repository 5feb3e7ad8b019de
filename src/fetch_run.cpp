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
#include "metered_run.hpp"
#include "run_checks.hpp"
#include "scope_exit.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

std::optional<ResumeIndex> load_resume_index(const Options& options) {
  if (!options.resume_from) return std::nullopt;
  auto index = ResumeIndex::load(*options.resume_from, options.retry_failed);
  if (!index) throw UsageError("resume_from", ": " + index.error());
  return std::move(*index);
}

// The files counted first: the options are moved into the check.
Options checked(Options options, const std::vector<std::string>& sources) {
  const RunFiles files = fetch_run_files(options, sources);
  return checked_run_options(std::move(options), files);
}

}  // namespace

FetchRun::FetchRun(Options options, std::vector<std::string> sources, EngineMaker engine)
    : options_(checked(std::move(options), sources)),
      reader_(options_.literal_sources ? SourceReader::literal(std::move(sources))
                                       : SourceReader(std::move(sources), source_limits(options_))),
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
  MeteredRun metered(
      options_, counters,
      track_hosts ? make_engine(options_, resources_) : engine_(options_, resources_),
      stats_log_ ? &*stats_log_ : nullptr);
  Admission& admission = metered.admission();

  const ReaderCancel reader_cancel;

  ResumeSkips skips;

  std::jthread reader_thread([&] {
    reader_.read_all(
        [&](InputItem&& item) {
          if (skips.skip(resume_, item.url, joining_id(item))) return true;
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
  FetchReport report = metered.run(sink, control);
  reader_cancel.signal();
  reader_thread.join();
  report.skipped = skips.skipped();
  report.skipped_failures = skips.failures();
  return report;
}

}  // namespace sluice::detail
