// `sluice [options] SOURCE...`: the fetch run with its results file, summary and progress.
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "option_flags.hpp"
#include "output/progress_line.hpp"
#include "output/results_writer.hpp"
#include "output/run_recorder.hpp"
#include "output/summary.hpp"
#include "printable.hpp"
#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"
#include "status_ticks.hpp"
#include "stop_signals.hpp"
#include "textbook/textbook_run.hpp"

namespace sluice::cli {

using namespace sluice::detail;
namespace {

// Owns the results file descriptor (or borrows stdout).
class ResultsFile {
 public:
  // A resumed run appends to the file it resumes.
  ResultsFile(const std::optional<std::string>& path, const std::optional<ResumeReport>& resume) {
    if (!path) return;
    const auto fd = open_results_file(*path, resume.has_value(), resume && resume->ends_mid_line);
    if (!fd) throw UsageError(fd.error());
    fd_ = *fd;
  }
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;
  ~ResultsFile() {
    if (fd_ != STDOUT_FILENO) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_ = STDOUT_FILENO;
};

// Every tick flushes stale result lines and redraws the progress line.
class Ticker {
 public:
  Ticker(RunRecorder& recorder, const LiveCounters& live, bool show, bool terminal)
      : recorder_(recorder),
        live_(live),
        show_(show),
        terminal_(terminal),
        ticks_([this](int tick) { on_tick(tick); }) {}
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  ~Ticker() {
    ticks_.stop();
    if (show_ && terminal_ && drawn_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  void on_tick(int tick) {
    recorder_.flush_stale();
    if (!show_) return;
    const auto now = std::chrono::steady_clock::now();
    ProgressSnapshot snapshot;
    snapshot.done = recorder_.done();
    if (live_.input_complete.load(std::memory_order_relaxed)) {
      snapshot.total = live_.urls_read.load(std::memory_order_relaxed);
    }
    snapshot.failed = recorder_.failed();
    snapshot.bytes = recorder_.bytes();
    snapshot.in_flight = live_.in_flight.load(std::memory_order_relaxed);
    snapshot.limit = live_.limit.load(std::memory_order_relaxed);
    snapshot.elapsed_s = std::chrono::duration<double>(now - started_).count();
    snapshot.rate_per_s = rate_.add(now, snapshot.done);
    snapshot.held_back = held_back(live_, std::chrono::system_clock::now());
    if (terminal_) {
      std::cerr << '\r' << format_progress(snapshot, flag_for) << "\033[K" << std::flush;
      drawn_ = true;
    } else if (tick % TickThread::kTicksPerPlainLine == 0) {
      std::cerr << format_progress(snapshot, flag_for) << '\n' << std::flush;
    }
  }

  RunRecorder& recorder_;
  const LiveCounters& live_;
  const bool show_;
  const bool terminal_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  // The tick thread's own; drawn_ is read after the thread was joined.
  RecentRate rate_;
  bool drawn_ = false;
  TickThread ticks_;
};

// Opened before the run, so that an unwritable path is a usage error, not a late surprise.
std::optional<std::ofstream> open_summary_file(const std::optional<std::string>& path) {
  if (!path) return std::nullopt;
  std::optional<std::ofstream> file(std::in_place, *path, std::ios::trunc);
  if (!*file) {
    throw UsageError("cannot write summary file '" + *path + "': " + std::strerror(errno));
  }
  return file;
}

// What the summary says when the results could not be written. A closed standard output is
// how `sluice ... | head -1` ends, so it is told apart from a failure.
std::optional<ResultsFailure> results_failure(const ResultsWriter& writer,
                                              const std::optional<std::string>& path,
                                              bool stopped_run) {
  if (writer.error_number() == 0) return std::nullopt;
  return ResultsFailure{
      .file = path ? printable(*path) : std::string(),
      .reason = writer.error(),
      .output_closed = !path && writer.error_number() == EPIPE,
      .stopped_run = stopped_run,
      .written = writer.written(),
      .unwritten = writer.unwritten(),
  };
}

// The run of `command` on `fetcher`: a sluice::Fetcher or a textbook::Fetcher.
int run_fetch_on(auto& fetcher, const FetchCommand& command) {
  const auto resume = fetcher.resume_report();
  if (resume && resume->bad_lines > 0) {
    std::cerr << "sluice: --resume " << printable(command.options.resume_from->string()) << ": "
              << resume->bad_lines << " lines are not records (the first is line "
              << resume->first_bad_line << "); their URLs will be fetched again\n";
  }
  ResultsFile results(command.results_path, resume);
  auto summary_file = open_summary_file(command.summary_json_path);
  ResultsWriter writer(results.fd());
  // Made before the recorder that calls it, so that it outlives every record.
  StopSignals signals(command.options.grace);
  // Records that cannot be written are lost: fetching more of them would only lose more.
  std::atomic<bool> stopped_by_output{false};
  RunRecorder recorder(&writer, [&] {
    stopped_by_output.store(true, std::memory_order_relaxed);
    signals.request_stop();
  });
  LiveCounters live;
  const bool terminal = ::isatty(STDERR_FILENO) == 1;

  FetchReport report;
  {
    Ticker ticker(recorder, live, command.progress || terminal, terminal);
    report = fetcher.run(recorder, signals.control(), &live);
  }
  // The ideal schedule of -c auto is the one at the cap it settled on.
  const std::size_t slots =
      report.final_limit > 0 ? report.final_limit : command.options.concurrency;
  Summary summary = recorder.finish(report.wall_ms, slots);
  summary.skipped = report.skipped;
  summary.skipped_failures = report.skipped_failures;
  summary.final_limit = report.final_limit;
  summary.event_loops = report.event_loops;
  measure_against_binding(summary, report.bound_by, command.options.rate,
                          command.options.max_bandwidth);
  // Relaxed: the threads that may have set it were joined when the run returned.
  summary.results_failure = results_failure(writer, command.results_path,
                                            stopped_by_output.load(std::memory_order_relaxed));
  if (!command.quiet) {
    std::cerr << format_summary(summary, flag_for);
  } else if (summary.results_failure && !summary.results_failure->output_closed) {
    std::cerr << "sluice: " << format_results_failure(*summary.results_failure, flag_for);
  }
  if (summary_file) {
    *summary_file << summary_json(summary, flag_for) << std::flush;
    if (!*summary_file) std::cerr << "sluice: cannot write summary file\n";
  }
  if (!report.stats_log_error.empty()) {
    std::cerr << "sluice: cannot write " << printable(report.stats_log_error) << '\n';
  }
  if (summary.results_failure) return kExitOutputFailed;
  // The shell's convention for "ended by signal N": 130 after Ctrl-C, 143 after SIGTERM.
  if (const int signal = signals.received(); signal != 0) return 128 + signal;
  // A URL skipped for its failed record failed as much as in one uninterrupted run.
  return summary.failed > 0 || summary.skipped_failures > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace

int run_fetch(const FetchCommand& command) {
  // The fetcher first, as it checks the sources and options: a bad list must not cost the
  // user an old results file.
  if (command.textbook) {
    textbook::Fetcher fetcher(*command.textbook, command.options, command.sources);
    return run_fetch_on(fetcher, command);
  }
  Fetcher fetcher(command.options, command.sources);
  return run_fetch_on(fetcher, command);
}

}  // namespace sluice::cli
