// The sink a command-line run uses: results writer plus summary, under one lock.
#include "output/run_recorder.hpp"

namespace sluice::detail {

RunRecorder::RunRecorder(ResultsWriter* writer) : writer_(writer) {}

void RunRecorder::on_record(Record&& record) {
  std::lock_guard lock(mutex_);
  ++done_;
  if (!record.ok) ++failed_;
  bytes_ += record.bytes;
  summary_.add(record);
  if (writer_ != nullptr) writer_->write(record);
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
  std::lock_guard lock(mutex_);
  if (writer_ != nullptr) writer_->flush_if_stale();
}

Summary RunRecorder::finish(double wall_ms, std::size_t concurrency) {
  std::lock_guard lock(mutex_);
  if (writer_ != nullptr) writer_->flush();
  return summary_.finish(wall_ms, concurrency);
}

}  // namespace sluice::detail
