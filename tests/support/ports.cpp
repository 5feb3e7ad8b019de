// Loopback ports for tests.
#include "support/ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace sluice::test {

namespace {

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

}  // namespace

std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  const bool bound =
      ::bind(fd, generic, sizeof address) == 0 && ::getsockname(fd, generic, &length) == 0;
  ::close(fd);
  if (!bound) throw std::runtime_error("cannot bind a loopback port");
  return ntohs(address.sin_port);
}

FullListener::FullListener() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = loopback(0);
  socklen_t length = sizeof address;
  auto* generic = reinterpret_cast<sockaddr*>(&address);
  if (listener_ < 0 || ::bind(listener_, generic, sizeof address) != 0 ||
      ::getsockname(listener_, generic, &length) != 0 || ::listen(listener_, 0) != 0) {
    throw std::runtime_error("cannot listen on a loopback port");
  }
  port_ = ntohs(address.sin_port);
  // Linux keeps backlog + 1 connections in the queue: this one fills it.
  filler_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (filler_ < 0 || ::connect(filler_, generic, sizeof address) != 0) {
    throw std::runtime_error("cannot fill the listener's queue");
  }
}

FullListener::~FullListener() {
  ::close(filler_);
  ::close(listener_);
}

}  // namespace sluice::test
