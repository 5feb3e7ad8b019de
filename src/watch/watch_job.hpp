// One list file of a watch run: the thread that streams it into a small buffer of its own,
// and the results file and summary its records go to.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "input/input_queue.hpp"
#include "input/reader_cancel.hpp"
#include "input/resume_index.hpp"
#include "input/source_reader.hpp"
#include "output/results_writer.hpp"
#include "output/summary.hpp"
#include "sluice/options.hpp"
#include "watch/job_folders.hpp"

namespace sluice::detail {

// Why a job cannot start: its list cannot be read (the job fails), or its results in
// OUTBOX cannot be read or written (the job pauses, as the list is not at fault).
struct JobOpenError {
  std::string reason;
  bool in_outbox = false;
};

// Thread-safety: buffer() is the hand-off between the job's reader thread and the
// scheduler's feeder; record(), flush_stale() and finish() are not thread-safe (the
// scheduler calls them under its lock). Lifetime: the destructor stops and joins the
// reader and closes the results file (what was written stays, for a later resume).
class WatchJob {
 public:
  // Opens .active/KEY and KEY's partial results; an earlier run's partial results are
  // resumed: their final records stay and those URLs are skipped. `event_loops`: the run's
  // (RunCore::event_loops), for the summary.
  static std::expected<std::unique_ptr<WatchJob>, JobOpenError> open(const JobFolders& folders,
                                                                     const std::string& key,
                                                                     const Options& options,
                                                                     std::size_t event_loops);
  WatchJob(const WatchJob&) = delete;
  WatchJob& operator=(const WatchJob&) = delete;
  ~WatchJob();

  const std::string& key() const noexcept { return key_; }
  // Starts the reader thread. `wake` is the buffer's wake-up (see InputQueue::set_wakeup).
  // Items carry their host key, as the run's queue needs them to.
  void start_reading(std::function<void()> wake);
  // Items in input order; closed when the list is read, cancelled by stop_reading().
  InputQueue& buffer() noexcept { return buffer_; }
  void stop_reading();

  void record(const Record& record);
  void flush_stale() { writer_.flush_if_stale(); }
  // Whether a write of the results failed (OUTBOX full, say): later records are dropped,
  // and what was written stays, in whole lines, for a resume.
  bool write_failed() const noexcept { return !writer_.error().empty(); }
  // Why, after write_failed(): "cannot write results to OUTBOX: REASON".
  std::string write_failure() const;
  // Flushes the results and returns the summary as JSON, or the write error.
  std::expected<std::string, std::string> finish();

 private:
  WatchJob(std::string key, SourceReader reader, std::size_t list_path_length,
           std::optional<ResumeIndex> resume, int results_fd, std::size_t concurrency,
           std::size_t event_loops);

  const std::string key_;
  SourceReader reader_;  // used by the reader thread only
  // SourceReader names a list's lines "PATH:LINE"; the records say "KEY:LINE" instead.
  const std::size_t list_path_length_;
  std::optional<ResumeIndex> resume_;  // used by the reader thread only
  ResumeSkips skips_;                  // counted by the reader thread
  InputQueue buffer_;
  ReaderCancel reader_cancel_;
  const int results_fd_;
  ResultsWriter writer_;
  SummaryBuilder summary_;
  std::size_t concurrency_;  // of the run the job shares, for its ideal schedule
  std::size_t event_loops_;  // of the same run, for the summary
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::jthread reader_thread_;  // last: joined before the members it uses go
};

}  // namespace sluice::detail
