// The sink a command-line run uses: every record goes to the results writer and into
// the summary, under one lock.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "output/results_writer.hpp"
#include "output/summary.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::detail {

// Thread-safe: on_record may be called from any engine thread.
class RunRecorder final : public RecordSink {
 public:
  // `writer` may be null (records are only summarised, as in the demo). `on_write_failed`,
  // if set, is called once, when the writer's first write fails: on the thread that met the
  // failure, outside the lock, so that it may stop the run.
  explicit RunRecorder(ResultsWriter* writer, std::function<void()> on_write_failed = {});

  void on_record(Record&& record) override;

  std::uint64_t failed() const;
  std::uint64_t bytes() const;
  std::uint64_t done() const;
  // Writes out lines that have waited too long for company (records may stop arriving
  // for a while when every transfer is slow). Called by a periodic ticker.
  void flush_stale();
  // Flushes the writer and returns the summary; call once the run has returned.
  Summary finish(double wall_ms, std::size_t concurrency);

 private:
  // Calls on_write_failed_ after the first failed write, releasing `lock` first.
  void report_write_failure(std::unique_lock<std::mutex>& lock);

  ResultsWriter* writer_;
  std::function<void()> on_write_failed_;
  mutable std::mutex mutex_;
  bool failure_reported_ = false;  // guarded by mutex_
  SummaryBuilder summary_;         // guarded by mutex_
  std::uint64_t done_ = 0;         // guarded by mutex_
  std::uint64_t failed_ = 0;       // guarded by mutex_
  std::uint64_t bytes_ = 0;        // guarded by mutex_
};

}  // namespace sluice::detail
