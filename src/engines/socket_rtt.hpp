// The least round trip a connected TCP socket has measured (TCP_INFO), for the window budget
// of the bandwidth cap.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>

namespace sluice::detail {

// The socket's tcpi_min_rtt: the least round trip the kernel saw on it, from the handshake
// on (on the client, the SYN -> SYN-ACK round trip counts). nullopt when the socket tells
// none (not TCP, no sample yet, or getsockopt fails).
std::optional<std::chrono::microseconds> socket_min_rtt(curl_socket_t socket);

}  // namespace sluice::detail
