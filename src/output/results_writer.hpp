// Writes records as JSON lines to a file descriptor, in whole lines only.
#pragma once

#include <chrono>
#include <cstdint>
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
  // The first write error (e.g. a closed pipe, a full disk), or empty; later records are
  // dropped. A regular file is cut back to its last whole line, so that it stays readable
  // and resumable.
  const std::string& error() const noexcept { return error_; }
  // The errno of that error (EPIPE for a closed pipe, ENOSPC for a full disk), or 0.
  int error_number() const noexcept { return error_number_; }
  // Records whose whole line reached the fd, and those given to write() whose line did not
  // (the part of the failed batch after its last whole line, and every record after it).
  // After an error the fd holds whole lines, but for a torn last one.
  std::uint64_t written() const noexcept { return written_; }
  std::uint64_t unwritten() const noexcept { return unwritten_; }

 private:
  // After a failed write that wrote the first `written` bytes of buffer_.
  void drop_torn_line(std::size_t written);

  int fd_;
  std::string buffer_;
  std::chrono::steady_clock::time_point oldest_;  // when the first line now in buffer_ was added
  std::uint64_t buffered_ = 0;  // records in buffer_
  std::uint64_t written_ = 0;
  std::uint64_t unwritten_ = 0;
  std::string error_;
  int error_number_ = 0;
};

// Opens the file a ResultsWriter writes to: emptied, or with `append` (a resumed run) kept,
// and then a torn last line (`ends_mid_line`, from the resume) is ended first, or the first
// new record would be glued to it. The error names the file and the reason.
std::expected<int, std::string> open_results_file(const std::filesystem::path& path, bool append,
                                                  bool ends_mid_line);

}  // namespace sluice::detail
