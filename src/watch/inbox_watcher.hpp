// The watcher thread of watch mode: names each list file in INBOX the moment it is complete
// (closed after writing, or moved in), and says when INBOX itself goes away.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <thread>

namespace sluice::detail {

// The thread blocks in poll(2) on an inotify descriptor and an eventfd for shutdown, and
// only names files: reading them is the scheduler's business, so a new file is noticed at
// once however busy the rest of the run is.
// Thread-safety: the callbacks run on the watcher thread (and, for the files already there,
// on the constructing thread). Lifetime: stop() or the destructor ends and joins the
// thread; the callbacks must stay valid until then.
class InboxWatcher {
 public:
  struct Callbacks {
    // A name in INBOX, hidden and temporary ones left out (is_ignored_name). A name may be
    // reported twice (listed at start and seen in an event); the scheduler claims it once.
    std::function<void(std::string name)> on_file;
    // INBOX was removed or moved away, with a one-line reason; no event follows.
    std::function<void(std::string reason)> on_lost;
  };

  // Watches INBOX, then reports the names already in it, then starts the thread. Throws
  // UsageError when INBOX cannot be watched.
  InboxWatcher(std::filesystem::path inbox, Callbacks callbacks);
  InboxWatcher(const InboxWatcher&) = delete;
  InboxWatcher& operator=(const InboxWatcher&) = delete;
  ~InboxWatcher();

  void stop();

 private:
  void close_descriptors() noexcept;
  void report_present_files() const;
  void watch();
  // Handles the events in `buffer`; false once INBOX is gone.
  bool handle_events(const char* buffer, std::size_t length) const;

  const std::filesystem::path inbox_;
  const Callbacks callbacks_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

}  // namespace sluice::detail
