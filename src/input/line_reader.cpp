// Buffered line splitting over read(2), bounded in memory for arbitrarily long lines.
#include "input/line_reader.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string_view>
#include <system_error>

namespace sluice::detail {
namespace {

std::string read_error(int error) {
  return "read failed: " + std::generic_category().message(error);
}

}  // namespace

LineReader::LineReader(int fd, std::size_t max_line_bytes, int cancel_fd)
    : fd_(fd), max_line_bytes_(max_line_bytes), cancel_fd_(cancel_fd), buffer_(kBufferBytes) {}

std::expected<std::optional<Line>, std::string> LineReader::next() {
  if (skipping_) {
    const auto skipped = skip_rest_of_line();
    if (!skipped) return std::unexpected(skipped.error());
    if (!*skipped) return std::nullopt;
  }
  Line line;
  line.offset = bytes_consumed_;
  bool started = false;
  bool newline_found = false;
  // An over-long line is returned as soon as it is known to be one, its rest skipped by the
  // next call: a line without end (@/dev/zero) still gets its record.
  while (!newline_found && !line.too_long) {
    if (begin_ == end_) {
      const auto filled = fill();
      if (!filled) return std::unexpected(filled.error());
      if (!*filled) {
        if (!started) return std::nullopt;
        break;
      }
    }
    started = true;
    const char* first = buffer_.data() + begin_;
    const char* last = buffer_.data() + end_;
    const std::size_t offset = std::string_view(first, end_ - begin_).find('\n');
    const char* newline = offset == std::string_view::npos ? last : first + offset;
    append(line, first, newline);
    newline_found = newline != last;
    const std::size_t next_begin =
        static_cast<std::size_t>(newline - buffer_.data()) + (newline_found ? 1 : 0);
    bytes_consumed_ += next_begin - begin_;
    begin_ = next_begin;
  }
  skipping_ = line.too_long && !newline_found;
  if (newline_found && !line.too_long && line.text.ends_with('\r')) line.text.pop_back();
  if (line.text.size() > max_line_bytes_) line.too_long = true;
  if (line.too_long) {
    line.text.resize(std::min(line.text.size(), kTooLongPrefixBytes));
    line.text.shrink_to_fit();
  }
  line.number = ++lines_read_;
  return line;
}

std::expected<bool, std::string> LineReader::skip_rest_of_line() {
  for (;;) {
    if (begin_ == end_) {
      const auto filled = fill();
      if (!filled || !*filled) return filled;
    }
    const std::string_view unread(buffer_.data() + begin_, end_ - begin_);
    const std::size_t newline = unread.find('\n');
    const std::size_t skipped = newline == std::string_view::npos ? unread.size() : newline + 1;
    bytes_consumed_ += skipped;
    begin_ += skipped;
    if (newline != std::string_view::npos) {
      skipping_ = false;
      return true;
    }
  }
}

void LineReader::append(Line& line, const char* begin, const char* end) {
  if (line.too_long) return;
  const auto size = static_cast<std::size_t>(end - begin);
  const std::size_t room = max_line_bytes_ + 1 - line.text.size();
  const std::size_t kept = std::min(size, room);
  if (line.text.size() + kept > line.text.capacity()) {
    // Growth capped at the maximum: std::string alone would double past it.
    line.text.reserve(
        std::min(max_line_bytes_ + 1, std::max(2 * line.text.capacity(), line.text.size() + kept)));
  }
  line.text.append(begin, kept);
  if (size > room) line.too_long = true;
}

std::expected<bool, std::string> LineReader::wait_readable() const {
  // poll(2) skips entries with a negative descriptor, so no cancel_fd_ means just fd_.
  std::array<pollfd, 2> fds{{{.fd = fd_, .events = POLLIN, .revents = 0},
                             {.fd = cancel_fd_, .events = POLLIN, .revents = 0}}};
  while (::poll(fds.data(), fds.size(), -1) < 0) {
    if (errno != EINTR) return std::unexpected(read_error(errno));
  }
  return (fds[1].revents & POLLIN) == 0;
}

std::expected<bool, std::string> LineReader::fill() {
  bool must_wait = cancel_fd_ >= 0;
  while (!at_end_) {
    if (must_wait) {
      const auto readable = wait_readable();
      if (!readable) return std::unexpected(readable.error());
      if (!*readable) {
        at_end_ = true;
        break;
      }
    }
    const ssize_t count = ::read(fd_, buffer_.data(), buffer_.size());
    if (count > 0) {
      begin_ = 0;
      end_ = static_cast<std::size_t>(count);
      return true;
    }
    if (count == 0) {
      at_end_ = true;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      must_wait = true;  // an inherited standard input may be non-blocking: wait, not spin
    } else if (errno != EINTR) {
      return std::unexpected(read_error(errno));
    }
  }
  return false;
}

}  // namespace sluice::detail
