// The -o directory of a run, held open from the start: bodies are created, renamed and
// removed relative to it, so they land where the run started even if DIR is moved.
#include "output/output_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace sluice::detail {

std::expected<OutputDir, std::string> OutputDir::open(std::filesystem::path path) {
  // O_PATH needs no read or write permission of its own: what the *at() calls may do is
  // checked on each of them, as it would be on the path.
  const int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return std::unexpected(std::generic_category().message(errno));
  }
  return OutputDir(fd, std::move(path));
}

OutputDir::OutputDir(int fd, std::filesystem::path path) noexcept
    : fd_(fd), path_(std::move(path)) {}

OutputDir::OutputDir(OutputDir&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

OutputDir& OutputDir::operator=(OutputDir&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

OutputDir::~OutputDir() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sluice::detail
