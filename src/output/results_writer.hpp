// Writes records as JSON lines to a file descriptor, in whole lines only.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>

#include "sluice/record.hpp"

namespace sluice::detail {

// Not thread-safe: the caller serializes write() and flush(). Does not own the fd.
// Lines are batched for speed but every write(2) carries whole lines, so a reader (or a
// results file after kill -9) never sees half a record; the one exception is a kill that
// lands inside a write, which Linux may cut at a page boundary. Nothing is fsynced: a power
// cut may lose the last seconds. The buffer is flushed when it grows past 64 KiB or when it
// is older than a quarter second, so `tail -f` stays live.
class ResultsWriter {
 public:
  explicit ResultsWriter(int fd);
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;
  ~ResultsWriter();

  void write(const Record& record);
  void flush();
  void flush_if_stale();
  // The first write error (e.g. a closed pipe), or empty; later records are dropped.
  const std::string& error() const noexcept { return error_; }

 private:
  int fd_;
  std::string buffer_;
  std::chrono::steady_clock::time_point oldest_;  // when the first line now in buffer_ was added
  std::string error_;
};

// Opens the file a ResultsWriter writes to: emptied, or with `append` (a resumed run) kept,
// and then a torn last line (`ends_mid_line`, from the resume) is ended first, or the first
// new record would be glued to it. The error names the file and the reason.
std::expected<int, std::string> open_results_file(const std::filesystem::path& path, bool append,
                                                  bool ends_mid_line);

}  // namespace sluice::detail
