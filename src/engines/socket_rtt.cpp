// TCP_INFO of a transfer's active socket.
#include "engines/socket_rtt.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace sluice::detail {

std::optional<std::chrono::microseconds> receive_rtt(CURL* easy) {
  curl_socket_t socket = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK ||
      socket == CURL_SOCKET_BAD) {
    return std::nullopt;
  }
  tcp_info info{};
  socklen_t length = sizeof info;
  if (::getsockopt(socket, IPPROTO_TCP, TCP_INFO, &info, &length) != 0 || info.tcpi_rcv_rtt == 0) {
    return std::nullopt;
  }
  return std::chrono::microseconds(info.tcpi_rcv_rtt);
}

}  // namespace sluice::detail
