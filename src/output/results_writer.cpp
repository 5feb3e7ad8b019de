// Writes records as JSON lines to a file descriptor, in whole lines only.
#include "output/results_writer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "record_codec.hpp"

namespace sluice::detail {
namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;
constexpr auto kFlushAge = std::chrono::milliseconds(250);

}  // namespace

ResultsWriter::ResultsWriter(int fd) : fd_(fd) { buffer_.reserve(2 * kFlushBytes); }

ResultsWriter::~ResultsWriter() { flush(); }

void ResultsWriter::write(const Record& record) {
  if (error_number_ != 0) {
    ++unwritten_;
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (buffer_.empty()) oldest_ = now;
  append_json_line(buffer_, record);
  ++buffered_;
  if (buffer_.size() >= kFlushBytes || now - oldest_ >= kFlushAge) flush();
}

void ResultsWriter::flush_if_stale() {
  if (!buffer_.empty() && std::chrono::steady_clock::now() - oldest_ >= kFlushAge) flush();
}

void ResultsWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size() && error_number_ == 0) {
    const auto written = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (written >= 0) {
      done += static_cast<std::size_t>(written);
    } else if (errno == EAGAIN) {
      // A non-blocking stdout (some shells and pipes leave it so): wait, do not spin.
      pollfd ready{.fd = fd_, .events = POLLOUT, .revents = 0};
      ::poll(&ready, 1, -1);
    } else if (errno != EINTR) {
      error_number_ = errno;
      error_ = std::strerror(errno);
      drop_torn_line(done);
    }
  }
  const auto whole_lines =
      done == buffer_.size()
          ? buffered_
          : static_cast<std::uint64_t>(std::count(
                buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(done), '\n'));
  written_ += whole_lines;
  unwritten_ += buffered_ - whole_lines;
  buffered_ = 0;
  buffer_.clear();
}

void ResultsWriter::drop_torn_line(std::size_t written) {
  const auto last_newline = std::string_view(buffer_.data(), written).rfind('\n');
  const std::size_t torn =
      last_newline == std::string_view::npos ? written : written - last_newline - 1;
  if (torn == 0) return;
  // Only a regular file seeks; a pipe keeps its torn line, as it cannot be taken back.
  const off_t end = ::lseek(fd_, 0, SEEK_CUR);
  if (end >= static_cast<off_t>(torn)) {
    [[maybe_unused]] const int ignored = ::ftruncate(fd_, end - static_cast<off_t>(torn));
  }
}

std::expected<int, std::string> open_results_file(const std::filesystem::path& path, bool append,
                                                  bool ends_mid_line) {
  const int mode = append ? O_APPEND : O_TRUNC;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | mode | O_CLOEXEC, 0644);
  if (fd >= 0 && (!ends_mid_line || ::write(fd, "\n", 1) == 1)) return fd;
  const std::string reason = std::strerror(errno);
  if (fd >= 0) ::close(fd);
  return std::unexpected("cannot write results file '" + path.string() + "': " + reason);
}

}  // namespace sluice::detail
