// `sluice watch INBOX --out OUTBOX [options]`: the watch run, its status line, and a line
// on standard error per job done or failed.
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

#include "commands.hpp"
#include "printable.hpp"
#include "stop_signals.hpp"
#include "watch/status_line.hpp"
#include "watch/watch_run.hpp"

namespace sluice::cli {

using namespace sluice::detail;
namespace {

constexpr auto kTick = std::chrono::milliseconds(250);
// Off a terminal, a forced status line is printed as a new line this often.
constexpr int kTicksPerPlainLine = 4;

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
        thread_([this](std::stop_token stop) { loop(stop); }) {}
  StatusTicker(const StatusTicker&) = delete;
  StatusTicker& operator=(const StatusTicker&) = delete;
  ~StatusTicker() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
    if (terminal_.is_terminal()) terminal_.clear_status();
  }

 private:
  using Clock = std::chrono::steady_clock;

  void loop(std::stop_token stop) {
    std::deque<std::pair<Clock::time_point, std::uint64_t>> recent;  // for the rate
    std::mutex mutex;
    std::condition_variable_any wake;
    for (int tick = 1; !stop.stop_requested(); ++tick) {
      {
        std::unique_lock lock(mutex);
        wake.wait_for(lock, stop, kTick, [] { return false; });
      }
      const auto now = Clock::now();
      const auto records = counters_.records.load(std::memory_order_relaxed);
      recent.emplace_back(now, records);
      if (recent.size() > 8) recent.pop_front();
      WatchSnapshot snapshot{
          .queued = counters_.queued.load(std::memory_order_relaxed),
          .running = counters_.running.load(std::memory_order_relaxed),
          .done = counters_.done.load(std::memory_order_relaxed),
          .failed = counters_.failed.load(std::memory_order_relaxed),
          .in_flight = live_.in_flight.load(std::memory_order_relaxed),
      };
      const double window = std::chrono::duration<double>(now - recent.front().first).count();
      if (window > 0) {
        snapshot.rate_per_s = static_cast<double>(records - recent.front().second) / window;
      }
      if (terminal_.is_terminal()) {
        terminal_.status(format_watch_status(snapshot));
      } else if (tick % kTicksPerPlainLine == 0) {
        terminal_.line(format_watch_status(snapshot));
      }
    }
  }

  Terminal& terminal_;
  const WatchCounters& counters_;
  const LiveCounters& live_;
  std::jthread thread_;
};

}  // namespace

int run_watch(const WatchCommand& command) {
  WatchRun watch(command.options, command.inbox, command.outbox);
  WatchCounters counters;
  LiveCounters live;
  Terminal terminal(::isatty(STDERR_FILENO) == 1);
  const auto on_outcome = [&](const JobOutcome& outcome) {
    if (!outcome.failure.empty()) {
      terminal.line("sluice: " + printable(outcome.key) + " failed: " + printable(outcome.failure));
    } else if (!command.quiet) {
      terminal.line("sluice: " + printable(outcome.key) + " done");
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
