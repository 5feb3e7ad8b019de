// `sluice watch INBOX --out OUTBOX [options]`: the watch run, its status line, and a line
// on standard error per job done or failed.
#include <unistd.h>

#include <iostream>
#include <mutex>

#include "commands.hpp"
#include "option_flags.hpp"
#include "printable.hpp"
#include "status_ticks.hpp"
#include "stop_signals.hpp"
#include "watch/status_line.hpp"
#include "watch/watch_run.hpp"

namespace sluice::cli {

using namespace sluice::detail;
namespace {

// Standard error, shared by the status line and the job lines; on a terminal, a job line
// first clears the status line it would otherwise be glued to.
class Terminal {
 public:
  explicit Terminal(bool is_terminal) : is_terminal_(is_terminal) {}
  bool is_terminal() const { return is_terminal_; }
  void line(const std::string& text) {
    std::lock_guard lock(mutex_);
    std::cerr << (is_terminal_ ? "\r\033[K" : "") << text << '\n' << std::flush;
  }
  void status(const std::string& text) {
    std::lock_guard lock(mutex_);
    std::cerr << '\r' << text << "\033[K" << std::flush;
  }
  void clear_status() {
    std::lock_guard lock(mutex_);
    std::cerr << "\r\033[K" << std::flush;
  }

 private:
  const bool is_terminal_;
  std::mutex mutex_;  // one line at a time
};

// Redraws the status line every tick (off a terminal, prints it every few ticks).
class StatusTicker {
 public:
  StatusTicker(Terminal& terminal, const WatchCounters& counters, const LiveCounters& live)
      : terminal_(terminal),
        counters_(counters),
        live_(live),
        ticks_([this](int tick) { on_tick(tick); }) {}
  StatusTicker(const StatusTicker&) = delete;
  StatusTicker& operator=(const StatusTicker&) = delete;
  ~StatusTicker() {
    ticks_.stop();
    if (terminal_.is_terminal()) terminal_.clear_status();
  }

 private:
  void on_tick(int tick) {
    const auto records = counters_.records.load(std::memory_order_relaxed);
    WatchSnapshot snapshot{
        .queued = counters_.queued.load(std::memory_order_relaxed),
        .running = counters_.running.load(std::memory_order_relaxed),
        .done = counters_.done.load(std::memory_order_relaxed),
        .failed = counters_.failed.load(std::memory_order_relaxed),
        .paused = counters_.paused.load(std::memory_order_relaxed),
        .in_flight = live_.in_flight.load(std::memory_order_relaxed),
        .rate_per_s = rate_.add(std::chrono::steady_clock::now(), records),
        .held_back = held_back(live_, std::chrono::system_clock::now()),
    };
    if (terminal_.is_terminal()) {
      terminal_.status(format_watch_status(snapshot, flag_for));
    } else if (tick % TickThread::kTicksPerPlainLine == 0) {
      terminal_.line(format_watch_status(snapshot, flag_for));
    }
  }

  Terminal& terminal_;
  const WatchCounters& counters_;
  const LiveCounters& live_;
  RecentRate rate_;  // the tick thread's own
  TickThread ticks_;
};

}  // namespace

int run_watch(const WatchCommand& command) {
  WatchRun watch(command.options, command.inbox, command.outbox);
  WatchCounters counters;
  LiveCounters live;
  Terminal terminal(::isatty(STDERR_FILENO) == 1);
  const auto on_outcome = [&](const JobOutcome& outcome) {
    const std::string key = "sluice: " + printable(outcome.key);
    switch (outcome.kind) {
      case JobOutcome::Kind::Failed:
        terminal.line(key + " failed: " + printable(outcome.detail));
        break;
      case JobOutcome::Kind::Paused:
        terminal.line(key + " paused: " + printable(outcome.detail) +
                      " (kept in .active; resumed once OUTBOX has room, or at the next start)");
        break;
      case JobOutcome::Kind::Renamed:
        if (!command.quiet) {
          terminal.line("sluice: " + printable(outcome.detail) + " -> " + printable(outcome.key) +
                        " (name too long for its results' names)");
        }
        break;
      case JobOutcome::Kind::Resumed:
        if (!command.quiet) terminal.line(key + " resumed");
        break;
      case JobOutcome::Kind::Done:
        if (!command.quiet) terminal.line(key + " done");
        break;
    }
  };

  WatchReport report;
  const StopSignals signals(command.options.grace);
  {
    std::optional<StatusTicker> ticker;
    if (command.progress || terminal.is_terminal()) ticker.emplace(terminal, counters, live);
    report = watch.run(signals.control(), counters, live, on_outcome);
  }
  if (report.unfinished > 0 && !command.quiet) {
    std::cerr << "sluice: unfinished jobs: " << report.unfinished
              << " (the next start resumes them)\n";
  }
  if (!report.inbox_lost.empty()) {
    std::cerr << "sluice: " << printable(report.inbox_lost)
              << "; stopped with every record written\n";
    return kExitUsage;
  }
  // The shell's convention for "ended by signal N": 130 after Ctrl-C, 143 after SIGTERM.
  if (const int signal = signals.received(); signal != 0) return 128 + signal;
  return kExitOk;
}

}  // namespace sluice::cli
