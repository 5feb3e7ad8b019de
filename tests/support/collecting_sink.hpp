// A RecordSink that keeps every record, for tests of the library.
#pragma once

#include <mutex>
#include <vector>

#include "sluice/fetcher.hpp"

namespace sluice::test {

// Thread-safe, like the sinks of real runs.
class CollectingSink final : public RecordSink {
 public:
  void on_record(Record&& record) override {
    std::lock_guard lock(mutex_);
    records_.push_back(std::move(record));
  }
  std::vector<Record> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return records_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Record> records_;  // guarded by mutex_
};

}  // namespace sluice::test
