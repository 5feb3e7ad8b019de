// SIGINT and SIGTERM kept from every thread but the one that waits for them.
#pragma once

#include <pthread.h>

#include <csignal>

namespace sluice {

// Blocks SIGINT and SIGTERM in the calling thread while it lives, and so in every thread
// started meanwhile (a new thread keeps its creator's mask); restores the calling thread's
// mask when it ends. Made and ended on one thread.
//
// Why: the kernel hands a process's signal to any thread that does not block it, and under
// ThreadSanitizer a handler runs late, when that thread next enters a call TSan watches, or
// never: a TSan-built `sluice serve` lost about 1 SIGTERM in 150 sent just after its lines,
// first on an IO thread as it started, then (those blocked) on the main thread before it
// waited. So the one thread that takes the signals either runs no handler (wait()) or does
// nothing but wait in the loop that runs it (the fetch commands' StopSignals).
class StopSignalsBlocked {
 public:
  StopSignalsBlocked() noexcept { ::pthread_sigmask(SIG_BLOCK, &signals(), &saved_); }
  StopSignalsBlocked(const StopSignalsBlocked&) = delete;
  StopSignalsBlocked& operator=(const StopSignalsBlocked&) = delete;
  ~StopSignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }

  // Waits for SIGINT or SIGTERM sent to the process or to this thread: the signal is taken
  // as it is pending, and no handler runs.
  void wait() const noexcept {
    int number = 0;
    ::sigwait(&signals(), &number);  // fails only for a set with invalid signals
  }

  // For a thread that waits for the signals with a handler (boost::asio::signal_set),
  // started while a StopSignalsBlocked lives.
  static void unblock_in_this_thread() noexcept {
    ::pthread_sigmask(SIG_UNBLOCK, &signals(), nullptr);
  }

 private:
  static const sigset_t& signals() noexcept {
    static const sigset_t set = [] {
      sigset_t both;
      sigemptyset(&both);
      sigaddset(&both, SIGINT);
      sigaddset(&both, SIGTERM);
      return both;
    }();
    return set;
  }

  sigset_t saved_{};
};

}  // namespace sluice
