// SIGINT and SIGTERM as the stop requests of a fetch run: the first ends admission, the
// second aborts what is in flight. The run may also stop itself (its results cannot be written).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <stop_token>

#include "sluice/fetcher.hpp"

namespace sluice::cli {

// Thread-safety: control() and received() may be called from any thread. Lifetime: the
// handlers are installed by the constructor and removed by the destructor, which also
// joins the thread that waits for the signals. Made and ended on one thread, which blocks
// the signals meanwhile, as do the threads it starts: the thread that waits takes them.
class StopSignals {
 public:
  explicit StopSignals(std::chrono::milliseconds grace);
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  ~StopSignals();

  RunControl control() const;
  // The stop of the first signal, without its message and not counted as a signal: for a
  // run that cannot go on (its results cannot be written). Safe from any thread, also from
  // inside a record sink: the stop's callbacks run later, on the signal thread.
  void request_stop();
  // The first signal received, or 0.
  int received() const noexcept { return first_.load(std::memory_order_acquire); }

 private:
  struct Loop;
  void wait_for_signal();
  void on_signal(int number);

  std::chrono::milliseconds grace_;
  std::stop_source stop_;
  std::stop_source abort_;
  std::atomic<int> first_{0};  // written by the signal thread, read after stop_ is seen
  std::unique_ptr<Loop> loop_;
};

}  // namespace sluice::cli
