// Reads TCP_INFO from a socket. <linux/tcp.h>, not glibc's <netinet/tcp.h>: only the
// kernel's struct tcp_info has tcpi_min_rtt.
#include "engines/socket_rtt.hpp"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace sluice::detail {

std::optional<std::chrono::microseconds> socket_min_rtt(curl_socket_t socket) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return std::nullopt;
  // An older kernel fills a shorter struct, without the field.
  if (length < offsetof(tcp_info, tcpi_min_rtt) + sizeof info.tcpi_min_rtt) return std::nullopt;
  // ~0U: no sample yet.
  if (info.tcpi_min_rtt == 0 || info.tcpi_min_rtt == ~0U) return std::nullopt;
  return std::chrono::microseconds(info.tcpi_min_rtt);
}

bool socket_retransmitted(curl_socket_t socket) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) return false;
  if (length < offsetof(tcp_info, tcpi_total_retrans) + sizeof info.tcpi_total_retrans) {
    return false;
  }
  return info.tcpi_total_retrans > 0;
}

}  // namespace sluice::detail
