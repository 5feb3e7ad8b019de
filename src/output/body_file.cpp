// Saving one response body under the output directory: a safe file name per URL, written to a
// hidden temporary and renamed into place, so no half-written file ever has the final name.
#include "output/body_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <memory>
#include <system_error>
#include <utility>

#include "output/body_path.hpp"
#include "sha256.hpp"

namespace sluice::detail {
namespace {

constexpr std::size_t kReadableMax = 100;
constexpr std::size_t kHashSuffix = 17;  // "-" and 16 hex digits
constexpr std::string_view kTemporaryMarker = ".part-";
// Small pieces are gathered up to this size to save system calls. The buffer grows only as
// far as a body needs, because thousands of bodies may be saved at once. 16 KiB is libcurl's
// largest write-callback piece (CURL_MAX_WRITE_SIZE, the default CURLOPT_BUFFERSIZE): a full
// piece goes to the kernel as it is, without a copy. 64 KiB saved 0.15-0.2 s of CPU per GiB
// written (ext4, 1448- and 16384-byte pieces), a few percent of a core even at 1 Gbit/s, for
// four times the memory per large body in flight (640 MB against 160 MB at 10,000).
constexpr std::size_t kBufferSize = 16 * 1024;

bool is_safe(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

// The shape of a body_file_name(): a readable part, then the hash suffix.
bool is_body_file_name(std::string_view name) {
  if (name.size() <= kHashSuffix || name.size() > kReadableMax + kHashSuffix) return false;
  if (name.front() == '.' || !std::all_of(name.begin(), name.end(), is_safe)) return false;
  const std::string_view hash = name.substr(name.size() - kHashSuffix);
  return hash.front() == '-' &&
         hash.find_first_not_of("0123456789abcdef", 1) == std::string_view::npos;
}

// A number as body_temporary_name() writes it: decimal digits, no sign, no leading zero.
template <typename Number>
std::optional<Number> parse_decimal(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos ||
      (text.size() > 1 && text.front() == '0')) {
    return std::nullopt;
  }
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// body_temporary_name() for the url whose body_file_name() is `name`.
std::string temporary_name(const std::string& name, pid_t pid, std::uint64_t slot) {
  return '.' + name + std::string(kTemporaryMarker) + std::to_string(pid) + '-' +
         std::to_string(slot);
}

// Only "no such process" means gone: EPERM is a live process of another user.
bool process_is_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

std::string failure(std::string_view action, const OutputDir& dir, std::string_view name,
                    int error) {
  // generic_category().message is strerror_r underneath: safe on engine threads.
  return std::string(action) + ' ' + (dir.path() / name).string() + ": " +
         std::generic_category().message(error);
}

// Closes a directory stream when it goes out of scope.
struct DirCloser {
  void operator()(DIR* stream) const noexcept { ::closedir(stream); }
};

// Closes a descriptor when it goes out of scope, unless released.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// The directory of `path`'s last segment below `dir`, walked one segment at a time without
// following a symlink (O_NOFOLLOW on an O_PATH open of a link gives the link, which
// O_DIRECTORY refuses), so nothing outside `dir` is reached. Missing directories are created
// when `create` is set. -1 (not an error) when `path` has one segment: the parent is `dir`.
std::expected<int, int> open_parent(const OutputDir& dir, std::string_view path, bool create) {
  const auto last = path.rfind('/');
  if (last == std::string_view::npos) return -1;
  UniqueFd parent;
  std::string_view rest = path.substr(0, last);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string segment(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    const int at = parent.get() >= 0 ? parent.get() : dir.fd();
    if (create && ::mkdirat(at, segment.c_str(), 0755) != 0 && errno != EEXIST) {
      return std::unexpected(errno);
    }
    const int next = ::openat(at, segment.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) return std::unexpected(errno);
    parent.reset(next);
  }
  return parent.release();
}

std::string_view leaf_of(std::string_view path) {
  const auto last = path.rfind('/');
  return last == std::string_view::npos ? path : path.substr(last + 1);
}

// "<leaf>.part", fitted to a segment's length.
std::string partial_name(std::string_view leaf) { return fit_segment(std::string(leaf) + ".part"); }

}  // namespace

std::optional<std::filesystem::path> existing_body(const OutputDir& dir, std::string_view path,
                                                   std::string_view sha256) {
  const auto parent = open_parent(dir, path, false);
  if (!parent) return std::nullopt;
  const UniqueFd parent_fd(*parent);
  const int at = *parent >= 0 ? *parent : dir.fd();
  const std::string leaf(leaf_of(path));
  const UniqueFd file(::openat(at, leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat status {};
  if (file.get() < 0 || ::fstat(file.get(), &status) != 0 || !S_ISREG(status.st_mode)) {
    return std::nullopt;
  }
  if (!sha256.empty()) {
    // The opened file itself, through its descriptor: no path walked again.
    const auto digest =
        sha256_of_file(std::filesystem::path("/proc/self/fd") / std::to_string(file.get()));
    if (!digest || *digest != sha256) return std::nullopt;
  }
  return dir.path() / path;
}

std::string body_file_name(std::string_view url) {
  std::string_view readable = url;
  if (const auto scheme_end = readable.find("://"); scheme_end != std::string_view::npos) {
    readable.remove_prefix(scheme_end + 3);
  }
  readable = readable.substr(0, kReadableMax);

  std::string name;
  name.reserve(readable.size() + 17);
  for (const char c : readable) name += is_safe(c) ? c : '_';
  if (name.empty()) name = "index";
  // A leading dot would hide the file and could collide with our own temporaries.
  if (name.front() == '.') name.front() = '_';

  name += '-' + fnv1a_hex(url);
  return name;
}

std::string body_temporary_name(std::string_view url, pid_t pid, std::uint64_t slot) {
  return temporary_name(body_file_name(url), pid, slot);
}

std::optional<pid_t> body_temporary_owner(std::string_view file_name) {
  if (file_name.empty() || file_name.front() != '.') return std::nullopt;
  // The last marker: the numbers after it hold no '.', while a readable part may hold ".part-".
  const auto marker = file_name.rfind(kTemporaryMarker);
  if (marker == std::string_view::npos || marker == 0) return std::nullopt;
  const std::string_view numbers = file_name.substr(marker + kTemporaryMarker.size());
  const auto dash = numbers.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto pid = parse_decimal<pid_t>(numbers.substr(0, dash));
  // pid 0 and negative ones would make kill() signal process groups: never accepted.
  if (!pid || *pid <= 0 || !parse_decimal<std::uint64_t>(numbers.substr(dash + 1))) {
    return std::nullopt;
  }
  if (!is_body_file_name(file_name.substr(1, marker - 1))) return std::nullopt;
  return pid;
}

std::size_t remove_dead_body_temporaries(const OutputDir& dir) {
  // The O_PATH descriptor cannot be listed; a second one of the same directory can.
  const int list_fd = ::openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (list_fd < 0) return 0;
  const std::unique_ptr<DIR, DirCloser> stream(::fdopendir(list_fd));
  if (!stream) {
    ::close(list_fd);
    return 0;
  }
  std::size_t removed = 0;
  while (const dirent* entry = ::readdir(stream.get())) {
    const auto owner = body_temporary_owner(entry->d_name);
    if (!owner) continue;
    // A symlink or a directory of that name is not one of ours. Should the file turn into
    // one before the unlink, unlink removes the link itself (or fails on a directory):
    // nothing outside `dir` is ever touched.
    struct stat status {};
    if (::fstatat(dir.fd(), entry->d_name, &status, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISREG(status.st_mode)) {
      continue;
    }
    if (process_is_gone(*owner) && ::unlinkat(dir.fd(), entry->d_name, 0) == 0) ++removed;
  }
  return removed;
}

BodyFile::BodyFile(const OutputDir& dir, int fd, std::string temporary, std::string final_name)
    : dir_(&dir), fd_(fd), temporary_(std::move(temporary)), final_name_(std::move(final_name)) {}

std::expected<BodyFile, std::string> BodyFile::create(const OutputDir& dir, std::string_view url,
                                                      std::uint64_t slot) {
  return create(dir, url, slot, BodyPlace{.path = body_file_name(url)});
}

std::expected<BodyFile, std::string> BodyFile::create(const OutputDir& dir, std::string_view url,
                                                      std::uint64_t slot, const BodyPlace& place) {
  std::string name(leaf_of(place.path));
  UniqueFd parent_fd;
  if (place.resumable) {
    // The ".part" lives beside its final name; a hidden temporary waits for its directories
    // until commit(), so that a failed answer leaves none behind.
    const auto parent = open_parent(dir, place.path, true);
    if (!parent) {
      return std::unexpected(
          failure("cannot make the directory of", dir, place.path, parent.error()));
    }
    parent_fd.reset(*parent);
    const int at = parent_fd.get() >= 0 ? parent_fd.get() : dir.fd();
    std::string partial = partial_name(name);
    UniqueFd fd(::openat(at, partial.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (fd.get() < 0) return std::unexpected(failure("cannot create", dir, partial, errno));
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0 || !S_ISREG(status.st_mode)) {
      return std::unexpected(failure("cannot resume", dir, partial, EINVAL));
    }
    // The lock goes with the descriptor: a holder that dies (even by kill -9) releases it.
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      BodyFile body(dir, fd.release(), std::move(partial), std::move(name));
      body.parent_fd_ = parent_fd.release();
      body.final_path_ = place.path;
      body.resumable_ = true;
      body.resume_offset_ = static_cast<std::uint64_t>(status.st_size);
      return body;
    }
    if (errno != EWOULDBLOCK) return std::unexpected(failure("cannot lock", dir, partial, errno));
  }
  std::string temporary = temporary_name(body_file_name(url), ::getpid(), slot);
  // O_EXCL|O_NOFOLLOW: never write through a planted symlink or into someone else's file.
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(dir.fd(), temporary.c_str(), kFlags, 0644);
  if (fd < 0 && errno == EEXIST) {
    // Left by a dead process that had this pid; unlink removes a symlink itself.
    if (::unlinkat(dir.fd(), temporary.c_str(), 0) != 0 && errno != ENOENT) {
      return std::unexpected(failure("cannot remove stale", dir, temporary, errno));
    }
    fd = ::openat(dir.fd(), temporary.c_str(), kFlags, 0644);
  }
  if (fd < 0) return std::unexpected(failure("cannot create", dir, temporary, errno));
  BodyFile body(dir, fd, std::move(temporary), std::move(name));
  body.final_path_ = place.path;
  return body;
}

BodyFile::BodyFile(BodyFile&& other) noexcept
    : dir_(other.dir_),
      fd_(std::exchange(other.fd_, -1)),
      parent_fd_(std::exchange(other.parent_fd_, -1)),
      temporary_(std::exchange(other.temporary_, {})),
      final_name_(std::move(other.final_name_)),
      final_path_(std::move(other.final_path_)),
      buffer_(std::move(other.buffer_)),
      resumable_(other.resumable_),
      begun_(other.begun_),
      resume_offset_(other.resume_offset_) {}

BodyFile& BodyFile::operator=(BodyFile&& other) noexcept {
  if (this != &other) {
    abandon();
    dir_ = other.dir_;
    fd_ = std::exchange(other.fd_, -1);
    parent_fd_ = std::exchange(other.parent_fd_, -1);
    temporary_ = std::exchange(other.temporary_, {});
    final_name_ = std::move(other.final_name_);
    final_path_ = std::move(other.final_path_);
    buffer_ = std::move(other.buffer_);
    resumable_ = other.resumable_;
    begun_ = other.begun_;
    resume_offset_ = other.resume_offset_;
  }
  return *this;
}

BodyFile::~BodyFile() { abandon(); }

void BodyFile::abandon() noexcept {
  const int temporary_dir = resumable_ && parent_fd_ >= 0 ? parent_fd_ : dir_->fd();
  bool keep = false;
  if (fd_ >= 0) {
    if (resumable_ && !temporary_.empty()) {
      // What arrived stays for the next attempt; a failed flush only makes it shorter.
      if (!buffer_.empty()) static_cast<void>(flush());
      struct stat status {};
      keep = ::fstat(fd_, &status) == 0 && status.st_size > 0;
    }
    ::close(std::exchange(fd_, -1));
  }
  if (!temporary_.empty() && !keep) ::unlinkat(temporary_dir, temporary_.c_str(), 0);
  temporary_.clear();
  if (parent_fd_ >= 0) ::close(std::exchange(parent_fd_, -1));
}

void BodyFile::discard() noexcept {
  buffer_.clear();
  if (fd_ >= 0 && resumable_) static_cast<void>(::ftruncate(fd_, 0));
  abandon();
}

std::expected<void, std::string> BodyFile::read_part(
    const std::function<void(std::string_view)>& take) const {
  std::array<char, kBufferSize> piece{};
  std::uint64_t offset = 0;
  while (offset < resume_offset_) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), resume_offset_ - offset));
    const ssize_t got = ::pread(fd_, piece.data(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      return std::unexpected(failure("cannot read", *dir_, temporary_, got < 0 ? errno : EIO));
    take(std::string_view(piece.data(), static_cast<std::size_t>(got)));
    offset += static_cast<std::uint64_t>(got);
  }
  return {};
}

std::expected<void, std::string> BodyFile::begin(bool appending) {
  begun_ = true;
  if (!resumable_ || fd_ < 0) return {};
  if (appending) {
    if (::lseek(fd_, 0, SEEK_END) < 0) {
      return std::unexpected(failure("cannot append to", *dir_, temporary_, errno));
    }
    return {};
  }
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) < 0) {
    return std::unexpected(failure("cannot truncate", *dir_, temporary_, errno));
  }
  return {};
}

std::expected<void, std::string> BodyFile::write(std::span<const char> data) {
  if (fd_ < 0) return std::unexpected(failure("cannot write", *dir_, temporary_, EBADF));
  if (!begun_) {
    if (auto begun = begin(false); !begun) return begun;
  }
  if (buffer_.size() + data.size() > kBufferSize) {
    if (auto flushed = flush(); !flushed) return flushed;
  }
  if (data.size() >= kBufferSize) return write_all(data);
  buffer_.insert(buffer_.end(), data.begin(), data.end());
  return {};
}

std::expected<void, std::string> BodyFile::flush() {
  auto written = write_all(buffer_);
  buffer_.clear();
  return written;
}

std::expected<void, std::string> BodyFile::write_all(std::span<const char> data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd_, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return std::unexpected(failure("cannot write", *dir_, temporary_, errno));
    }
    // A regular file takes at least one byte or reports an error; a zero would loop forever.
    if (written == 0) return std::unexpected(failure("cannot write", *dir_, temporary_, EIO));
    data = data.subspan(static_cast<std::size_t>(written));
  }
  return {};
}

std::expected<std::filesystem::path, std::string> BodyFile::commit() {
  if (fd_ < 0) return std::unexpected(failure("cannot commit", *dir_, temporary_, EBADF));
  // An empty answer still replaces what a resumable body's ".part" held.
  if (!begun_) {
    if (auto begun = begin(false); !begun) return std::unexpected(begun.error());
  }
  if (auto flushed = flush(); !flushed) return std::unexpected(flushed.error());
  // No fsync: it would cost a disk round trip per URL. The rename is atomic against a crash of
  // this process; durability against power loss is not promised.
  if (::close(std::exchange(fd_, -1)) != 0) {
    return std::unexpected(failure("cannot close", *dir_, temporary_, errno));
  }
  if (!resumable_ && parent_fd_ < 0) {
    const auto opened = open_parent(*dir_, final_path_, true);
    if (!opened)
      return std::unexpected(
          failure("cannot make the directory of", *dir_, final_path_, opened.error()));
    parent_fd_ = *opened;
  }
  const int parent = parent_fd_ >= 0 ? parent_fd_ : dir_->fd();
  const int temporary_dir = resumable_ ? parent : dir_->fd();
  // Across directories of one file system: still one atomic rename.
  if (::renameat(temporary_dir, temporary_.c_str(), parent, final_name_.c_str()) != 0) {
    return std::unexpected(failure("cannot rename to", *dir_, final_name_, errno));
  }
  temporary_.clear();
  return dir_->path() / final_path_;
}

}  // namespace sluice::detail
