// What TCP_INFO tells of a connected socket: the least round trip it measured, for the
// window budget of the bandwidth cap, and whether it retransmitted, for the connect window.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>

namespace sluice::detail {

// The socket's tcpi_min_rtt: the least round trip the kernel saw on it, from the handshake
// on (on the client, the SYN -> SYN-ACK round trip counts). nullopt when the socket tells
// none (not TCP, no sample yet, or getsockopt fails).
std::optional<std::chrono::microseconds> socket_min_rtt(curl_socket_t socket);

// Whether the socket's kernel sent a segment of it again (tcpi_total_retrans). Before any
// data goes out, that can only be the SYN: the connect lost one (an accept queue that
// overflowed drops SYNs). False when the socket tells nothing.
bool socket_retransmitted(curl_socket_t socket);

}  // namespace sluice::detail
