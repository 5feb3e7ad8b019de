// The default engine: one thread drives libcurl's multi-socket API over epoll.
// The wiring follows curl's docs/examples/ephiperfifo.c, with the timer kept as a
// deadline for epoll_wait instead of a timerfd.
#include "engines/event_loop_engine.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>

namespace sluice::detail {
namespace {

// The wake-up eventfd's key in epoll; socket keys carry a shard id in the high half.
constexpr std::uint64_t kWakeKey = ~std::uint64_t{0};

std::uint64_t socket_key(std::uint32_t shard, curl_socket_t socket) {
  return (std::uint64_t{shard} << 32) | static_cast<std::uint32_t>(socket);
}

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void signal_eventfd(int fd) noexcept {
  const std::uint64_t one = 1;
  // A full counter (EAGAIN) already means "wake up"; nothing else can fail here.
  [[maybe_unused]] auto written = ::write(fd, &one, sizeof one);
}

}  // namespace

std::vector<std::size_t> even_shares(std::size_t total, std::size_t parts) {
  std::vector<std::size_t> shares;
  for (std::size_t i = 0; i < parts; ++i)
    shares.push_back(total / parts + (i < total % parts ? 1 : 0));
  return shares;
}

EventLoopEngine::EventLoopEngine(const Options& options, const RunResources& resources)
    : EventLoopEngine(options, resources, std::optional<GroupPart>()) {}

EventLoopEngine::EventLoopEngine(const Options& options, const RunResources& resources,
                                 GroupPart part)
    : EventLoopEngine(options, resources, std::optional<GroupPart>(part)) {}

EventLoopEngine::EventLoopEngine(const Options& options, const RunResources& resources,
                                 std::optional<GroupPart> part)
    : options_(options),
      resources_(resources),
      retry_(options, std::random_device{}()),
      limits_(options, resources.bandwidth_share),
      part_(part) {
  if (part_) {
    share_ = part_->share;
  } else {
    own_share_.emplace();
    share_ = &*own_share_;
  }
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw_errno("epoll_create1");
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) throw_errno("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeKey;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event) != 0) throw_errno("epoll_ctl");

  const std::size_t slots = part_ ? part_->capacity : options_.concurrency;
  // Spread the slots evenly, so no shard is much fuller than another.
  for (const std::size_t capacity : even_shares(slots, shard_count(slots))) {
    auto shard = std::make_unique<Shard>();
    shard->engine = this;
    shard->id = static_cast<std::uint32_t>(shards_.size());
    shard->capacity = capacity;
    shard->multi = curl_multi_init();
    if (shard->multi == nullptr) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(shard->multi, CURLMOPT_SOCKETFUNCTION, &EventLoopEngine::on_socket);
    curl_multi_setopt(shard->multi, CURLMOPT_SOCKETDATA, shard.get());
    curl_multi_setopt(shard->multi, CURLMOPT_TIMERFUNCTION, &EventLoopEngine::on_timer);
    curl_multi_setopt(shard->multi, CURLMOPT_TIMERDATA, shard.get());
    // One connection per slot, idle ones included: keep-alive reuse survives at any
    // concurrency, and a transfer that needs a new connection closes the oldest idle one
    // first, so the shard never holds more sockets than slots (see file_budget.cpp).
    curl_multi_setopt(shard->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(shard->capacity));
    curl_multi_setopt(shard->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(shard->capacity));
    // libcurl's default since 7.62, said here because the engine counts on it: transfers in
    // flight over HTTP/2 share connections as streams.
    curl_multi_setopt(shard->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    shards_.push_back(std::move(shard));
  }
}

EventLoopEngine::~EventLoopEngine() {
  // Easy handles must leave their multi handle before either is cleaned up.
  for (auto& slot : slots_) {
    if (slot->shard != nullptr)
      curl_multi_remove_handle(slot->shard->multi, slot->transfer->handle());
  }
  slots_.clear();
  for (auto& shard : shards_) curl_multi_cleanup(shard->multi);
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EventLoopEngine::wake() const noexcept { signal_eventfd(wake_fd_); }

int EventLoopEngine::on_socket(CURL* /*easy*/, curl_socket_t socket, int what, void* shard_ptr,
                               void* socketp) {
  auto& shard = *static_cast<Shard*>(shard_ptr);
  const int epoll_fd = shard.engine->epoll_fd_;
  if (what == CURL_POLL_REMOVE) {
    // The socket may already be closed, in which case epoll dropped it by itself.
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.data.u64 = socket_key(shard.id, socket);
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) event.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) event.events |= EPOLLOUT;
  int result = 0;
  if (socketp == nullptr) {
    result = ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, socket, &event);
    // A descriptor number reused before libcurl told us to forget the old socket.
    if (result != 0 && errno == EEXIST)
      result = ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, socket, &event);
    // Any non-null pointer marks the socket as registered for the next call.
    if (result == 0) curl_multi_assign(shard.multi, socket, &shard);
  } else {
    result = ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, socket, &event);
  }
  // -1 makes libcurl fail the transfers on this socket instead of waiting forever.
  return result == 0 ? 0 : -1;
}

int EventLoopEngine::on_timer(CURLM* /*multi*/, long timeout_ms, void* shard_ptr) {
  auto& shard = *static_cast<Shard*>(shard_ptr);
  if (timeout_ms < 0) {
    shard.deadline.reset();
  } else {
    shard.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

curl_socket_t EventLoopEngine::on_open_socket(void* slot, curlsocktype /*purpose*/,
                                              curl_sockaddr* address) {
  const curl_socket_t socket =
      ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (socket != CURL_SOCKET_BAD) static_cast<Slot*>(slot)->connect.socket_opened(socket);
  return socket;
}

void EventLoopEngine::on_request_ready(void* slot) {
  static_cast<Slot*>(slot)->connect.request_ready();
}

int EventLoopEngine::wait_ms() const {
  std::optional<std::chrono::steady_clock::time_point> earliest = admission_due_;
  const auto sooner = [&](std::optional<std::chrono::steady_clock::time_point> candidate) {
    if (candidate && (!earliest || *candidate < *earliest)) earliest = candidate;
  };
  if (!paused_.empty()) sooner(paused_.front().until);
  // A receiver freed since the last resume_paused(), and a transfer in line for it.
  if (limits_.window && !waiting_receivers_.empty() && receiving_ < limits_.window->receivers()) {
    return 0;
  }
  for (const auto& shard : shards_) {
    if (shard->deadline && (!earliest || *shard->deadline < *earliest)) earliest = shard->deadline;
  }
  if (!earliest) return -1;
  const auto left = *earliest - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  // Round up: waking a little late costs nothing, waking early costs a spin.
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

EventLoopEngine::Shard& EventLoopEngine::least_busy_shard() {
  Shard* best = shards_.front().get();
  for (const auto& shard : shards_) {
    if (shard->capacity - shard->active > best->capacity - best->active) best = shard.get();
  }
  return *best;
}

void EventLoopEngine::start(Admitted&& admitted, Admission& admission, RecordSink& sink) {
  if (idle_.empty()) {
    slots_.push_back(std::make_unique<Slot>(admission));
    BandwidthGate gate;
    if (limits_.bandwidth) {
      gate.bytes = &*limits_.bandwidth;
      gate.on_pause = [this](CURL* easy, std::chrono::steady_clock::time_point until) {
        on_pause(easy, until);
      };
      gate.window = &*limits_.window;
      // An event loop cannot wait for a receiver: a transfer answered while receivers()
      // receive pauses, in line for the next receiver that ends (admit() starts no one
      // meanwhile), as a worker thread would block.
      gate.begin_receiving = [this, slot = slots_.back().get()] {
        if (receiving_ >= limits_.window->receivers()) {
          waiting_receivers_.push_back(Paused{{}, slot, slot->attempt});
          return ReceiverSlot::Busy;
        }
        ++receiving_;
        return ReceiverSlot::Taken;
      };
      gate.end_receiving = [this] { --receiving_; };
      gate.waiting = &live_->waiting_for_bandwidth;
      gate.link = limits_.link_sampler.get();
    }
    TransferHooks hooks;
    if (options_.connect_window > 0) {
      hooks = TransferHooks{.open_socket = &EventLoopEngine::on_open_socket,
                            .socket_data = slots_.back().get(),
                            .request_ready = &EventLoopEngine::on_request_ready,
                            .request_data = slots_.back().get()};
    }
    slots_.back()->transfer = std::make_unique<CurlTransfer>(options_, resources_, std::move(gate),
                                                             hooks, RedirectFollower::Engine);
    // The engine finds the slot again from the easy handle when libcurl reports it done.
    slots_.back()->transfer->set_owner(slots_.back().get());
    share_->attach(slots_.back()->transfer->handle());
    idle_.push_back(slots_.back().get());
  }
  Slot* slot = idle_.back();
  auto failed = slot->transfer->prepare(std::move(admitted.item));
  if (admission.wants_connect_reports()) slot->connect.started(slot->transfer->host());
  if (failed) {
    slot->connect.ended(CURLE_OK);
    settle_unstarted(*slot->transfer, std::move(*failed), admission, sink);
    return;
  }
  Shard& shard = least_busy_shard();
  CURL* easy = slot->transfer->handle();
  if (const CURLMcode added = curl_multi_add_handle(shard.multi, easy); added != CURLM_OK) {
    slot->connect.ended(CURLE_OK);
    admission.release(slot->transfer->host());
    sink.on_record(slot->transfer->fail(ErrorKind::Other, curl_multi_strerror(added)));
    return;
  }
  idle_.pop_back();
  slot->shard = &shard;
  ++slot->attempt;
  slot->in_flight_at_start = admitted.in_flight;
  ++shard.active;
  ++active_;
}

bool EventLoopEngine::admit(Admission& admission, RecordSink& sink) {
  admission_due_.reset();
  while (true) {
    // A group loop at its capacity leaves the next start to a loop with room; admission's
    // cap is the whole run's. It asks again when one of its own transfers ends.
    if (part_ && active_ >= part_->capacity) return true;
    const auto now = std::chrono::steady_clock::now();
    if (limits_.window) {
      // Under the bandwidth cap the window budget decides how many transfers receive at
      // once and ramps their starts; one that ends, or the ramp's time, lets the next in.
      // Transfers that still wait for their answers are not counted: a cap far above what
      // their bodies need must leave -c of them in flight.
      const auto at = limits_.window->start_at(receiving_, now);
      if (!at || *at > now) {
        admission_due_ = at;
        return true;
      }
    }
    auto next = admission.next(now);
    if (auto* admitted = std::get_if<Admitted>(&next)) {
      start(std::move(*admitted), admission, sink);
      if (limits_.window) limits_.window->started(now);
    } else if (const auto* later = std::get_if<Admission::NotBefore>(&next)) {
      admission_due_ = later->at;
      return true;
    } else {
      return std::holds_alternative<Admission::UntilWoken>(next);
    }
  }
}

void EventLoopEngine::run_timeouts() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& shard : shards_) {
    if (shard->deadline && now >= *shard->deadline) {
      shard->deadline.reset();
      int running = 0;
      curl_multi_socket_action(shard->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }
}

void EventLoopEngine::on_pause(CURL* easy, std::chrono::steady_clock::time_point until) {
  auto* slot = static_cast<Slot*>(CurlTransfer::from_handle(easy).owner());
  paused_.push_back(Paused{until, slot, slot->attempt});
  std::push_heap(paused_.begin(), paused_.end());
}

void EventLoopEngine::resume_paused() {
  const auto now = std::chrono::steady_clock::now();
  // As many as there are free receivers, in the order they were answered; one that ended
  // meanwhile (a timeout, a stop) is skipped. A resumed transfer that finds the receivers
  // taken again (a newer answer came first) gets back in line.
  if (limits_.window) {
    std::size_t free =
        limits_.window->receivers() - std::min(receiving_, limits_.window->receivers());
    while (free > 0 && !waiting_receivers_.empty()) {
      const Paused next = waiting_receivers_.front();
      waiting_receivers_.pop_front();
      if (next.slot->shard == nullptr || next.slot->attempt != next.attempt) continue;
      paused_.push_back(Paused{now, next.slot, next.attempt});
      std::push_heap(paused_.begin(), paused_.end());
      --free;
    }
  }
  while (!paused_.empty() && paused_.front().until <= now) {
    std::pop_heap(paused_.begin(), paused_.end());
    const Paused due = paused_.back();
    paused_.pop_back();
    // Resuming hands the kept chunk to the write callback at once, which may pause the
    // transfer again and push onto the heap: hence the pop above comes first.
    if (due.slot->shard != nullptr && due.slot->attempt == due.attempt) {
      curl_easy_pause(due.slot->transfer->handle(), CURLPAUSE_CONT);
    }
  }
}

void EventLoopEngine::collect_finished(Admission& admission, RecordSink& sink) {
  for (auto& shard : shards_) {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(shard->multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode result = message->data.result;
      auto* slot = static_cast<Slot*>(CurlTransfer::from_handle(easy).owner());
      curl_multi_remove_handle(shard->multi, easy);
      slot->shard = nullptr;
      --shard->active;
      --active_;
      slot->connect.ended(result);
      settle(*slot->transfer, result, retry_, admission, sink, slot->in_flight_at_start);
      idle_.push_back(slot);
    }
  }
}

void EventLoopEngine::cancel_all(Admission& admission, RecordSink& sink) {
  for (auto& slot : slots_) {
    if (slot->shard == nullptr) continue;
    curl_multi_remove_handle(slot->shard->multi, slot->transfer->handle());
    --slot->shard->active;
    slot->shard = nullptr;
    slot->connect.ended(CURLE_ABORTED_BY_CALLBACK);
    admission.release(slot->transfer->host());
    sink.on_record(slot->transfer->cancel());
    idle_.push_back(slot.get());
  }
  active_ = 0;
}

void EventLoopEngine::run(Admission& admission, RecordSink& sink, LiveCounters& live,
                          std::stop_token stop) {
  live_ = &live;
  if (admission.wants_connect_reports()) admission.expect_connect_reports();
  limits_.report_to(live);
  if (!part_) admission.set_wakeup([fd = wake_fd_] { signal_eventfd(fd); });
  std::stop_callback on_stop(stop, [fd = wake_fd_] { signal_eventfd(fd); });

  std::array<epoll_event, 256> events{};
  while (true) {
    if (stop.stop_requested()) {
      cancel_all(admission, sink);
      break;
    }
    // Asked on every turn, even once the input is over: a transfer in flight may still
    // hand back a retry.
    const bool admitting = admit(admission, sink);
    publish_in_flight(live);
    if (!admitting && active_ == 0) break;

    const int ready =
        ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), wait_ms());
    if (ready < 0 && errno != EINTR) throw_errno("epoll_wait");
    for (int i = 0; i < ready; ++i) {
      const auto& event = events[static_cast<std::size_t>(i)];
      if (event.data.u64 == kWakeKey) {
        std::uint64_t count = 0;
        [[maybe_unused]] auto got = ::read(wake_fd_, &count, sizeof count);
        continue;
      }
      int action = 0;
      if ((event.events & EPOLLIN) != 0) action |= CURL_CSELECT_IN;
      if ((event.events & EPOLLOUT) != 0) action |= CURL_CSELECT_OUT;
      if ((event.events & (EPOLLERR | EPOLLHUP)) != 0) action |= CURL_CSELECT_ERR;
      const auto shard = static_cast<std::size_t>(event.data.u64 >> 32);
      const auto socket = static_cast<curl_socket_t>(event.data.u64 & 0xffffffffu);
      int running = 0;
      curl_multi_socket_action(shards_[shard]->multi, socket, action, &running);
    }
    resume_paused();
    run_timeouts();
    collect_finished(admission, sink);
  }
  publish_in_flight(live);  // zero: every transfer has ended
}

void EventLoopEngine::publish_in_flight(LiveCounters& live) {
  // Added as a difference: a group's loops share the gauge.
  if (active_ >= published_in_flight_) {
    live.in_flight.fetch_add(active_ - published_in_flight_, std::memory_order_relaxed);
  } else {
    live.in_flight.fetch_sub(published_in_flight_ - active_, std::memory_order_relaxed);
  }
  published_in_flight_ = active_;
}

}  // namespace sluice::detail
