// A bare TCP client for answers that libcurl refuses to hand over whole.
#include "support/raw_http.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

namespace sluice::test {
namespace {

struct Descriptor {
  explicit Descriptor(int descriptor) : fd(descriptor) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

}  // namespace

std::string raw_exchange(std::uint16_t port, std::string_view request, std::size_t max_bytes) {
  const Descriptor socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const int fd = socket.fd;
  if (fd < 0) throw std::runtime_error("socket failed");
  const timeval patience{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot connect to the server");
  }
  for (std::size_t sent = 0; sent < request.size();) {
    const ssize_t count = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) throw std::runtime_error("cannot send the request");
    sent += static_cast<std::size_t>(count);
  }
  std::string received;
  std::array<char, 64 * 1024> buffer{};
  while (received.size() < max_bytes) {
    const std::size_t wanted = std::min(buffer.size(), max_bytes - received.size());
    const ssize_t count = ::recv(fd, buffer.data(), wanted, 0);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;  // closed, reset, or 10 s of silence
    received.append(buffer.data(), static_cast<std::size_t>(count));
  }
  return received;
}

}  // namespace sluice::test
