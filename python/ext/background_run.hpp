// One sluice run behind a Python iterator: the Fetcher runs on its own thread and hands its
// records to a RecordQueue that Python reads.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "record_queue.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::python {

// Thread-safety: one Python thread at a time (the GIL's holder) calls the methods; the run's
// thread touches only the queue, the counters and, before it finishes the queue, report_ and
// error_. Lifetime: the destructor aborts a run still going and joins its thread.
class BackgroundRun {
 public:
  // Builds the Fetcher, so bad options throw UsageError here, before any thread starts.
  BackgroundRun(Options options, std::vector<std::string> sources, std::size_t queue_capacity);
  BackgroundRun(const BackgroundRun&) = delete;
  BackgroundRun& operator=(const BackgroundRun&) = delete;
  ~BackgroundRun();

  // Starts the run's thread; later calls do nothing.
  void start();
  RecordQueue& queue() { return queue_; }
  // Joins the run's thread once the queue said it finished, and rethrows what run() threw.
  void join();

  // RunControl::stop: no new URL starts, transfers in flight get Options::grace.
  void stop();
  // RunControl::abort: transfers in flight end now with cancelled records.
  void abort();
  // Abandons the run: its records are dropped, it is aborted and its thread joined.
  void close();

  const LiveCounters& live() const { return live_; }
  // Set once join() returned without an error.
  const std::optional<FetchReport>& report() const { return report_; }
  // The eventfd the queue writes when it has something to read, for asyncio.
  int wake_fd() const { return wake_fd_; }

 private:
  Fetcher fetcher_;  // first: it may throw, before the descriptor below is opened
  int wake_fd_;
  RecordQueue queue_;
  LiveCounters live_;
  std::stop_source stop_;
  std::stop_source abort_;
  std::thread thread_;
  std::optional<FetchReport> report_;  // written by the run's thread before it finishes
  std::exception_ptr error_;           // the same
};

}  // namespace sluice::python
