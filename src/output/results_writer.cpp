// Writes records as JSON lines to a file descriptor, in whole lines only.
#include "output/results_writer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "record_codec.hpp"

namespace sluice::detail {
namespace {

constexpr std::size_t kFlushBytes = 64 * 1024;
constexpr auto kFlushAge = std::chrono::milliseconds(250);

}  // namespace

ResultsWriter::ResultsWriter(int fd) : fd_(fd) { buffer_.reserve(2 * kFlushBytes); }

ResultsWriter::~ResultsWriter() { flush(); }

void ResultsWriter::write(const Record& record) {
  if (!error_.empty()) return;
  const auto now = std::chrono::steady_clock::now();
  if (buffer_.empty()) oldest_ = now;
  append_json_line(buffer_, record);
  if (buffer_.size() >= kFlushBytes || now - oldest_ >= kFlushAge) flush();
}

void ResultsWriter::flush_if_stale() {
  if (!buffer_.empty() && std::chrono::steady_clock::now() - oldest_ >= kFlushAge) flush();
}

void ResultsWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size() && error_.empty()) {
    const auto written = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (written >= 0) {
      done += static_cast<std::size_t>(written);
    } else if (errno == EAGAIN) {
      // A non-blocking stdout (some shells and pipes leave it so): wait, do not spin.
      pollfd ready{.fd = fd_, .events = POLLOUT, .revents = 0};
      ::poll(&ready, 1, -1);
    } else if (errno != EINTR) {
      error_ = std::strerror(errno);
    }
  }
  buffer_.clear();
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
