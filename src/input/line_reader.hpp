// Line-by-line reading of a file descriptor in bounded memory, whatever the line lengths.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

namespace sluice::detail {

struct Line {
  // Without its "\n" or "\r\n". When too_long: the first 256 bytes (fewer if the reader's
  // maximum is below 256, as only maximum + 1 bytes are ever kept).
  std::string text;
  std::uint64_t number = 0;  // from 1
  std::uint64_t offset = 0;  // of its first byte, counted from the reader's first read
  // Longer than the reader's maximum: returned once that is known, and the rest of it, up to
  // and including its newline, skipped by the next call of next().
  bool too_long = false;
};

// Reads with read(2) into a 64 KiB buffer and never holds more than that buffer plus one
// line of max_line_bytes, so a 1 GB line costs no memory. A last line without a newline
// is still a line.
// Thread-safety: none; use from one thread at a time. Lifetime: does not own the
// descriptor, which must stay open while next() is called and is never closed here.
class LineReader {
 public:
  static constexpr std::size_t kBufferBytes = 64 * 1024;
  static constexpr std::size_t kTooLongPrefixBytes = 256;

  // With a `cancel_fd`, every read first waits until `fd` or `cancel_fd` is readable, and
  // a readable `cancel_fd` ends the input: a reader blocked on a terminal or a pipe that
  // never writes can still be told to stop.
  explicit LineReader(int fd, std::size_t max_line_bytes = 65536, int cancel_fd = -1);

  // The next line, nullopt at end of input, or the read error ("read failed: ...").
  std::expected<std::optional<Line>, std::string> next();

 private:
  // Appends to `line` without letting it exceed max_line_bytes_ + 1 (room for a '\r').
  void append(Line& line, const char* begin, const char* end);
  // Consumes the rest of an over-long line returned before; false when the input ends first.
  std::expected<bool, std::string> skip_rest_of_line();
  // Refills the buffer; false at end of input. Waits on a non-blocking descriptor.
  std::expected<bool, std::string> fill();
  // Waits until the descriptor is readable; false when cancel_fd_ became readable first.
  std::expected<bool, std::string> wait_readable() const;

  int fd_;
  std::size_t max_line_bytes_;
  int cancel_fd_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // unread bytes are buffer_[begin_, end_)
  std::size_t end_ = 0;
  std::uint64_t lines_read_ = 0;
  std::uint64_t bytes_consumed_ = 0;  // taken out of the buffer, over-long lines' rests too
  bool at_end_ = false;    // read(2) returned 0; a terminal would otherwise be asked again
  bool skipping_ = false;  // the last line returned was over-long and its newline is unread
};

}  // namespace sluice::detail
