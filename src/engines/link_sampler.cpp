// TCP_INFO of the run's sockets, summed for the link controller.
#include "engines/link_sampler.hpp"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace sluice::detail {
namespace {

// A socket's estimates move about once per round trip; 10 ms is a few of them on a LAN
// and costs one system call per socket 100 times a second.
constexpr auto kSampleEvery = std::chrono::milliseconds(10);
// A socket's round trip counts only when a stream crossed it since the last sample: on one
// that carried requests and their answers, the estimate spans the server's wait for each
// answer (the time to receive a window of answers, or a timestamp echoed from the request),
// which read as a queue of tens of ms on loopback with 50 answers in flight, and the
// controller took the run's own rate for the link's. A receiver that streams gets at least
// a window per round trip plus the target delay, far more than this in a sample; below
// about 3 Mbit/s per socket no round trip is seen, and the window budget alone bounds the
// queue.
constexpr std::uint64_t kStreamBytes = 4 * 1024;

std::optional<tcp_info> read_tcp_info(curl_socket_t socket) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  return info;
}

}  // namespace

void LinkSampler::add(curl_socket_t socket) {
  std::lock_guard lock(mutex_);
  std::erase_if(sockets_, [&](const Watched& watched) { return watched.socket == socket; });
  sockets_.push_back({socket, 0});
}

void LinkSampler::maybe_sample(TimeSource::time_point now) {
  const auto ticks = now.time_since_epoch().count();
  if (ticks < next_sample_.load(std::memory_order_relaxed)) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;  // another thread is sampling
  next_sample_.store((now + kSampleEvery).time_since_epoch().count(), std::memory_order_relaxed);
  std::uint64_t arrived = 0;
  std::erase_if(sockets_, [&](Watched& watched) {
    const auto info = read_tcp_info(watched.socket);
    if (!info) return true;
    const std::uint64_t received = info->tcpi_bytes_received;
    if (received <= watched.received) {
      watched.received = received;  // idle, or a new connection on a reused number
      return false;
    }
    const std::uint64_t delta = received - watched.received;
    arrived += delta;
    watched.received = received;
    if (delta >= kStreamBytes && info->tcpi_rcv_rtt > 0) {
      link_.on_rtt(std::chrono::microseconds(info->tcpi_rcv_rtt), now);
    }
    return false;
  });
  if (arrived > 0) link_.on_delivered(arrived, now);
}

}  // namespace sluice::detail
