// The default engine: one thread drives libcurl's multi-socket API over epoll.
// The wiring follows curl's docs/examples/ephiperfifo.c, with the timer kept as a
// deadline for epoll_wait instead of a timerfd.
#include "engines/event_loop_engine.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_set>

namespace sluice {
namespace {

// How many queued URLs one admission step moves at a time: large enough to make the
// queue lock rare, small enough that the first requests start at once.
constexpr std::size_t kAdmitBatch = 256;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void signal_eventfd(int fd) noexcept {
  const std::uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up"; nothing else can fail here.
  [[maybe_unused]] auto written = ::write(fd, &one, sizeof one);
}

}  // namespace

EventLoopEngine::EventLoopEngine(const Options& options) : options_(options) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw_errno("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) throw_errno("epoll_ctl");

  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &EventLoopEngine::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &EventLoopEngine::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  // Keep one idle connection per slot, so keep-alive reuse survives at any concurrency.
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(options_.concurrency));
}

EventLoopEngine::~EventLoopEngine() {
  // Easy handles must leave the multi handle before either is cleaned up.
  for (auto& transfer : transfers_) curl_multi_remove_handle(multi_, transfer->handle());
  transfers_.clear();
  curl_multi_cleanup(multi_);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

int EventLoopEngine::on_socket(CURL* /*easy*/, curl_socket_t socket, int what, void* self,
                               void* socketp) {
  auto& engine = *static_cast<EventLoopEngine*>(self);
  if (what == CURL_POLL_REMOVE) {
    // The socket may already be closed, in which case epoll dropped it by itself.
    ::epoll_ctl(engine.epoll_fd_, EPOLL_CTL_DEL, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.data.fd = socket;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) event.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) event.events |= EPOLLOUT;
  if (socketp == nullptr) {
    if (::epoll_ctl(engine.epoll_fd_, EPOLL_CTL_ADD, socket, &event) != 0 && errno == EEXIST) {
      ::epoll_ctl(engine.epoll_fd_, EPOLL_CTL_MOD, socket, &event);
    }
    // Any non-null pointer marks the socket as registered for the next call.
    curl_multi_assign(engine.multi_, socket, &engine);
  } else {
    ::epoll_ctl(engine.epoll_fd_, EPOLL_CTL_MOD, socket, &event);
  }
  return 0;
}

int EventLoopEngine::on_timer(CURLM* /*multi*/, long timeout_ms, void* self) {
  auto& engine = *static_cast<EventLoopEngine*>(self);
  if (timeout_ms < 0) {
    engine.deadline_.reset();
  } else {
    engine.deadline_ = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

int EventLoopEngine::wait_ms() const {
  if (!deadline_) return -1;
  const auto left = *deadline_ - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  // Round up: waking a little late costs nothing, waking early costs a spin.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

void EventLoopEngine::start(InputItem&& item, RecordSink& sink) {
  if (item.error) {
    FetchError error = std::move(*item.error);
    sink.on_record(unfetched_record(std::move(item), std::move(error)));
    return;
  }
  if (idle_.empty()) {
    transfers_.push_back(std::make_unique<CurlTransfer>(options_));
    idle_.push_back(transfers_.back().get());
  }
  CurlTransfer* transfer = idle_.back();
  if (auto failed = transfer->prepare(std::move(item))) {
    sink.on_record(std::move(*failed));
    return;
  }
  idle_.pop_back();
  curl_multi_add_handle(multi_, transfer->handle());
  ++active_;
}

bool EventLoopEngine::admit(InputQueue& input, RecordSink& sink) {
  while (active_ < options_.concurrency) {
    if (pending_.empty()) {
      const auto status = input.try_pop(pending_, kAdmitBatch);
      if (status == InputQueue::PopStatus::Drained) return false;
      if (status == InputQueue::PopStatus::Empty) return true;
      // Start in input order: the batch is consumed from its front.
      std::reverse(pending_.begin(), pending_.end());
    }
    InputItem item = std::move(pending_.back());
    pending_.pop_back();
    start(std::move(item), sink);
  }
  return true;
}

void EventLoopEngine::collect_finished(RecordSink& sink) {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode result = message->data.result;
    CurlTransfer* transfer = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
    curl_multi_remove_handle(multi_, easy);
    --active_;
    sink.on_record(transfer->finish(result));
    idle_.push_back(transfer);
  }
}

void EventLoopEngine::cancel_all(InputQueue& input, RecordSink& sink) {
  const std::unordered_set<CurlTransfer*> idle(idle_.begin(), idle_.end());
  for (auto& transfer : transfers_) {
    if (idle.contains(transfer.get())) continue;
    curl_multi_remove_handle(multi_, transfer->handle());
    sink.on_record(transfer->cancel());
    idle_.push_back(transfer.get());
  }
  active_ = 0;
  for (auto& item : pending_) {
    sink.on_record(unfetched_record(std::move(item), {ErrorKind::Cancelled, "the run was stopped"}));
  }
  pending_.clear();
  input.cancel();  // from here on the reader adds nothing, so the drain below is complete
  std::vector<InputItem> rest;
  while (input.try_pop(rest, kAdmitBatch) == InputQueue::PopStatus::Items) {
    for (auto& item : rest) {
      sink.on_record(unfetched_record(std::move(item), {ErrorKind::Cancelled, "the run was stopped"}));
    }
    rest.clear();
  }
}

void EventLoopEngine::run(InputQueue& input, RecordSink& sink, LiveCounters& live,
                          std::stop_token stop) {
  input.set_wakeup([fd = wake_fd_] { signal_eventfd(fd); });
  std::stop_callback on_stop(stop, [fd = wake_fd_] { signal_eventfd(fd); });

  std::array<epoll_event, 256> events{};
  bool input_open = true;
  while (true) {
    if (stop.stop_requested()) {
      cancel_all(input, sink);
      break;
    }
    if (input_open) input_open = admit(input, sink);
    live.in_flight.store(active_, std::memory_order_relaxed);
    if (!input_open && active_ == 0 && pending_.empty()) break;

    const int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                                   wait_ms());
    if (ready < 0 && errno != EINTR) throw_errno("epoll_wait");
    for (int i = 0; i < ready; ++i) {
      const auto& event = events[static_cast<std::size_t>(i)];
      if (event.data.fd == wake_fd_) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto got = ::read(wake_fd_, &count, sizeof count);
        continue;
      }
      int action = 0;
      if ((event.events & EPOLLIN) != 0) action |= CURL_CSELECT_IN;
      if ((event.events & EPOLLOUT) != 0) action |= CURL_CSELECT_OUT;
      if ((event.events & (EPOLLERR | EPOLLHUP)) != 0) action |= CURL_CSELECT_ERR;
      int running = 0;
      curl_multi_socket_action(multi_, event.data.fd, action, &running);
    }
    if (deadline_ && Clock::now() >= *deadline_) {
      deadline_.reset();
      int running = 0;
      curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    collect_finished(sink);
  }
  live.in_flight.store(0, std::memory_order_relaxed);
}

}  // namespace sluice
