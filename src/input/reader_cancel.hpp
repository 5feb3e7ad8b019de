// An eventfd that tells a reader thread to stop waiting for input.
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace sluice::detail {

// Thread-safety: signal() may be called from any thread, fd() is polled by the reader.
// Lifetime: owns the descriptor.
class ReaderCancel {
 public:
  ReaderCancel() : fd_(::eventfd(0, EFD_CLOEXEC)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  ReaderCancel(const ReaderCancel&) = delete;
  ReaderCancel& operator=(const ReaderCancel&) = delete;
  ~ReaderCancel() { ::close(fd_); }
  int fd() const { return fd_; }
  void signal() const noexcept {
    const std::uint64_t one = 1;
    // Only a full counter can fail, and that already reads as "cancelled".
    [[maybe_unused]] auto written = ::write(fd_, &one, sizeof one);
  }

 private:
  int fd_;
};

}  // namespace sluice::detail
