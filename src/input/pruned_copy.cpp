// A file rewritten without the lines dropped from it, started lazily at the first drop.
#include "input/pruned_copy.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <utility>

namespace sluice::detail {
namespace {

// Kept lines are written in batches of about this size.
constexpr std::size_t kWriteBytes = 64 * 1024;

}  // namespace

PrunedCopy::PrunedCopy(std::filesystem::path file, int fd)
    : file_(std::move(file)), temporary_(file_.string() + ".kept"), in_(fd) {}

PrunedCopy::~PrunedCopy() {
  if (out_ < 0) return;
  ::close(out_);
  if (!renamed_) ::unlink(temporary_.c_str());
}

std::unexpected<std::string> PrunedCopy::write_failure(int error) const {
  return std::unexpected("cannot write '" + temporary_.string() +
                         "': " + std::generic_category().message(error));
}

std::expected<void, std::string> PrunedCopy::keep(const Line& line) {
  if (out_ < 0) return {};
  pending_ += line.text;
  pending_ += '\n';
  if (pending_.size() < kWriteBytes) return {};
  return write_out();
}

std::expected<void, std::string> PrunedCopy::drop(const Line& line) {
  if (out_ >= 0) return {};
  return start(line.offset);
}

std::expected<void, std::string> PrunedCopy::start(std::uint64_t prefix_bytes) {
  out_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out_ < 0) return write_failure(errno);
  // The rewritten file keeps the permissions the user gave the old one.
  struct stat status {};
  if (::fstat(in_, &status) != 0 || ::fchmod(out_, status.st_mode & 07777) != 0) {
    return write_failure(errno);
  }
  // With an offset of its own, sendfile(2) leaves the position of in_, which the caller's
  // LineReader reads on from, where it is.
  off_t offset = 0;
  while (static_cast<std::uint64_t>(offset) < prefix_bytes) {
    const ssize_t sent =
        ::sendfile(out_, in_, &offset, prefix_bytes - static_cast<std::uint64_t>(offset));
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0) return write_failure(errno);
    // The file shrank under us: another process is writing it.
    if (sent == 0) return write_failure(EBUSY);
  }
  return {};
}

std::expected<void, std::string> PrunedCopy::write_out() {
  std::size_t written = 0;
  while (written < pending_.size()) {
    const ssize_t count = ::write(out_, pending_.data() + written, pending_.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return write_failure(errno);
    written += static_cast<std::size_t>(count);
  }
  pending_.clear();
  return {};
}

std::expected<bool, std::string> PrunedCopy::commit() {
  if (out_ < 0) return false;
  if (auto written = write_out(); !written) return std::unexpected(written.error());
  // On disk before the rename, so that a power cut right after it cannot leave FILE empty.
  if (::fdatasync(out_) != 0) return write_failure(errno);
  if (::rename(temporary_.c_str(), file_.c_str()) != 0) {
    return std::unexpected("cannot replace '" + file_.string() +
                           "': " + std::generic_category().message(errno));
  }
  renamed_ = true;
  return true;
}

}  // namespace sluice::detail
