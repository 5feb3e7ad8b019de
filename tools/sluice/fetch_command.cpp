// `sluice [options] SOURCE...`: the fetch run with its results file, summary and progress.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "output/progress_line.hpp"
#include "output/results_writer.hpp"
#include "output/run_recorder.hpp"
#include "output/summary.hpp"
#include "printable.hpp"
#include "sluice/errors.hpp"
#include "sluice/fetcher.hpp"
#include "status_ticks.hpp"
#include "stop_signals.hpp"

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
  using Clock = std::chrono::steady_clock;

  void on_tick(int tick) {
    recorder_.flush_stale();
    if (!show_) return;
    const auto now = Clock::now();
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
    if (const auto paused = live_.paused_host.current(std::chrono::system_clock::now())) {
      snapshot.paused_host = paused->host;
      snapshot.paused_until = format_time_of_day(paused->until);
    }
    if (terminal_) {
      std::cerr << '\r' << format_progress(snapshot) << "\033[K" << std::flush;
      drawn_ = true;
    } else if (tick % TickThread::kTicksPerPlainLine == 0) {
      std::cerr << format_progress(snapshot) << '\n' << std::flush;
    }
  }

  RunRecorder& recorder_;
  const LiveCounters& live_;
  const bool show_;
  const bool terminal_;
  const Clock::time_point started_ = Clock::now();
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

}  // namespace

int run_fetch(const FetchCommand& command) {
  // Sources and options first: a bad list must not cost the user an old results file.
  Fetcher fetcher(command.options, command.sources);
  const auto resume = fetcher.resume_report();
  if (resume && resume->bad_lines > 0) {
    std::cerr << "sluice: --resume " << printable(command.options.resume_from->string()) << ": "
              << resume->bad_lines << " lines are not records (the first is line "
              << resume->first_bad_line << "); their URLs will be fetched again\n";
  }
  ResultsFile results(command.results_path, resume);
  auto summary_file = open_summary_file(command.summary_json_path);
  ResultsWriter writer(results.fd());
  RunRecorder recorder(&writer);
  LiveCounters live;
  const bool terminal = ::isatty(STDERR_FILENO) == 1;

  FetchReport report;
  const StopSignals signals(command.options.grace);
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
  summary.bound_by = report.bound_by;
  if (!command.quiet) std::cerr << format_summary(summary);
  if (summary_file) {
    *summary_file << summary_json(summary) << std::flush;
    if (!*summary_file) std::cerr << "sluice: cannot write summary file\n";
  }
  if (!report.stats_log_error.empty()) {
    std::cerr << "sluice: cannot write " << printable(report.stats_log_error) << '\n';
  }
  if (!writer.error().empty()) {
    std::cerr << "sluice: cannot write results: " << printable(writer.error()) << '\n';
    return kExitSomeFailed;
  }
  // The shell's convention for "ended by signal N": 130 after Ctrl-C, 143 after SIGTERM.
  if (const int signal = signals.received(); signal != 0) return 128 + signal;
  // A URL skipped for its failed record failed as much as in one uninterrupted run.
  return summary.failed > 0 || summary.skipped_failures > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace sluice::cli
