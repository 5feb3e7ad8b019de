// Reads TCP_INFO from the kernel. The file includes <linux/tcp.h> for the full struct tcp_info
// (glibc's has no tcpi_bytes_acked) and nothing from Asio, whose <netinet/tcp.h> would clash.
#include "server/tcp_info.hpp"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>

namespace sluice::detail {

std::optional<std::uint64_t> bytes_acked(int fd) noexcept {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
    return std::nullopt;
  }
  // An older kernel fills only the prefix of the struct it knows.
  if (length < offsetof(tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked) {
    return std::nullopt;
  }
  return info.tcpi_bytes_acked;
}

}  // namespace sluice::detail
