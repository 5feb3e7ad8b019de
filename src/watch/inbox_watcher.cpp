// inotify on INBOX: IN_CLOSE_WRITE and IN_MOVED_TO name complete files; the watch's own
// removal or move ends the watching.
#include "watch/inbox_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>
#include <utility>

#include "sluice/errors.hpp"
#include "watch/job_folders.hpp"

namespace sluice::detail {
namespace {

constexpr std::uint32_t kFileEvents = IN_CLOSE_WRITE | IN_MOVED_TO;
constexpr std::uint32_t kGoneEvents = IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED;
// A removed INBOX reports IN_DELETE_SELF only once nothing holds it any more, and the jobs'
// open lists in INBOX/.active hold it. So the removal of .active itself (rm -r gets there
// before INBOX) counts, and so does finding, once a second, that INBOX is not there.
constexpr std::uint32_t kChildGoneEvents = IN_DELETE | IN_MOVED_FROM;
constexpr int kCheckMs = 1000;

std::optional<std::pair<dev_t, ino_t>> identity(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return std::nullopt;
  return std::pair{status.st_dev, status.st_ino};
}

}  // namespace

InboxWatcher::InboxWatcher(std::filesystem::path inbox, Callbacks callbacks)
    : inbox_(std::move(inbox)), callbacks_(std::move(callbacks)) {
  inotify_fd_ = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC);
  if (inotify_fd_ < 0 || stop_fd_ < 0) {
    const int error = errno;
    close_descriptors();
    throw std::system_error(error, std::generic_category(), "inotify");
  }
  if (::inotify_add_watch(
          inotify_fd_, inbox_.c_str(),
          kFileEvents | kChildGoneEvents | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0) {
    const int error = errno;
    close_descriptors();
    throw UsageError("cannot watch INBOX '" + inbox_.string() + "': " + std::strerror(error));
  }
  // [article:watcher-thread]
  // Listed after the watch is in place, so that no file falls between the two.
  report_present_files();
  thread_ = std::thread([this] { watch(); });
  // [/article:watcher-thread]
}

InboxWatcher::~InboxWatcher() {
  stop();
  close_descriptors();
}

void InboxWatcher::close_descriptors() noexcept {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (stop_fd_ >= 0) ::close(stop_fd_);
  inotify_fd_ = stop_fd_ = -1;
}

void InboxWatcher::stop() {
  if (!thread_.joinable()) return;
  const std::uint64_t one = 1;
  // Only a full counter can fail, and that already reads as "stop".
  [[maybe_unused]] auto written = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
}

void InboxWatcher::report_present_files() const {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(inbox_, error)) {
    std::string name = entry.path().filename().string();
    if (!is_ignored_name(name)) callbacks_.on_file(std::move(name));
  }
}

void InboxWatcher::watch() {
  // Room for many events at once; each is a header plus a name of at most NAME_MAX + 1.
  alignas(inotify_event) std::array<char, 64 * 1024> buffer{};
  std::array<pollfd, 2> fds{pollfd{.fd = inotify_fd_, .events = POLLIN, .revents = 0},
                            pollfd{.fd = stop_fd_, .events = POLLIN, .revents = 0}};
  const auto watched = identity(inbox_);
  while (true) {
    const int ready = ::poll(fds.data(), fds.size(), kCheckMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      callbacks_.on_lost(std::string("cannot wait for INBOX events: ") + std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (ready == 0 && identity(inbox_) != watched) {
      callbacks_.on_lost("INBOX '" + inbox_.string() + "' was removed");
      return;
    }
    while (true) {
      const auto length = ::read(inotify_fd_, buffer.data(), buffer.size());
      if (length < 0 && errno == EINTR) continue;
      if (length <= 0) break;  // EAGAIN: all read
      if (!handle_events(buffer.data(), static_cast<std::size_t>(length))) return;
    }
  }
}

bool InboxWatcher::handle_events(const char* buffer, std::size_t length) const {
  for (std::size_t offset = 0; offset < length;) {
    inotify_event event{};
    std::memcpy(&event, buffer + offset, sizeof event);
    const char* name = buffer + offset + sizeof event;
    offset += sizeof event + event.len;
    if ((event.mask & kGoneEvents) != 0) {
      const bool moved = (event.mask & IN_MOVE_SELF) != 0;
      callbacks_.on_lost("INBOX '" + inbox_.string() + "' was " +
                         (moved ? "moved away" : "removed"));
      return false;
    }
    if ((event.mask & kChildGoneEvents) != 0 && event.len > 0 &&
        std::strcmp(name, ".active") == 0) {
      callbacks_.on_lost("INBOX '" + inbox_.string() +
                         "' was removed (its .active folder is gone)");
      return false;
    }
    if ((event.mask & IN_Q_OVERFLOW) != 0) {
      // Events were lost: the listing finds the files they named (and claimed ones no more).
      report_present_files();
      continue;
    }
    if ((event.mask & kFileEvents) != 0 && event.len > 0) {
      std::string file(name);  // NUL-terminated, padded with NULs
      if (!is_ignored_name(file)) callbacks_.on_file(std::move(file));
    }
  }
  return true;
}

}  // namespace sluice::detail
