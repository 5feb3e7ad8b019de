// One sluice run behind a Python iterator: the Fetcher's thread and how it is stopped.
#include "background_run.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace sluice::python {
namespace {

int make_eventfd() {
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  return fd;
}

}  // namespace

BackgroundRun::BackgroundRun(Options options, std::vector<std::string> sources,
                             std::size_t queue_capacity)
    : fetcher_(std::move(options), std::move(sources)),
      wake_fd_(make_eventfd()),
      queue_(queue_capacity, wake_fd_) {}

BackgroundRun::~BackgroundRun() {
  close();
  ::close(wake_fd_);
}

void BackgroundRun::start() {
  if (thread_.joinable() || report_ || error_) return;
  thread_ = std::thread([this] {
    try {
      report_ = fetcher_.run(queue_, RunControl{stop_.get_token(), abort_.get_token()}, &live_);
    } catch (...) {
      error_ = std::current_exception();
    }
    queue_.finish();
  });
}

void BackgroundRun::join() {
  if (thread_.joinable()) thread_.join();
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void BackgroundRun::stop() {
  // Lifted first: the stop's callbacks run on this thread and must not wait for an engine
  // that waits for room in the queue.
  queue_.unbound();
  stop_.request_stop();
}

void BackgroundRun::abort() {
  queue_.unbound();
  stop_.request_stop();
  abort_.request_stop();
}

void BackgroundRun::close() {
  if (!thread_.joinable()) return;
  queue_.discard();
  stop_.request_stop();
  abort_.request_stop();
  thread_.join();
}

}  // namespace sluice::python
