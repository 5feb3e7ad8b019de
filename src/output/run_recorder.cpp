// The sink a command-line run uses: results writer plus summary, under one lock.
#include "output/run_recorder.hpp"

#include <utility>

namespace sluice::detail {

RunRecorder::RunRecorder(ResultsWriter* writer, std::function<void()> on_write_failed)
    : writer_(writer), on_write_failed_(std::move(on_write_failed)) {}

void RunRecorder::on_record(Record&& record) {
  std::unique_lock lock(mutex_);
  ++done_;
  if (!record.ok) ++failed_;
  bytes_ += record.bytes;
  summary_.add(record);
  if (writer_ != nullptr) writer_->write(record);
  report_write_failure(lock);
}

void RunRecorder::report_write_failure(std::unique_lock<std::mutex>& lock) {
  if (writer_ == nullptr || writer_->error_number() == 0 || failure_reported_) return;
  failure_reported_ = true;
  lock.unlock();
  if (on_write_failed_) on_write_failed_();
}

std::uint64_t RunRecorder::failed() const {
  std::lock_guard lock(mutex_);
  return failed_;
}

std::uint64_t RunRecorder::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::uint64_t RunRecorder::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void RunRecorder::flush_stale() {
  std::unique_lock lock(mutex_);
  if (writer_ != nullptr) writer_->flush_if_stale();
  report_write_failure(lock);
}

Summary RunRecorder::finish(double wall_ms, std::size_t concurrency) {
  std::lock_guard lock(mutex_);
  if (writer_ != nullptr) writer_->flush();
  return summary_.finish(wall_ms, concurrency);
}

}  // namespace sluice::detail
