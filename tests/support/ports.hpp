// Loopback ports for tests.
#pragma once

#include <cstdint>

namespace sluice::test {

// A port on 127.0.0.1 that nothing listens on: bound, then closed. Another process could
// take it again, but the kernel hands out ports in turn, so not for a long while.
std::uint16_t closed_port();

// A port on 127.0.0.1 whose listener never accepts and whose accept queue is full, so the
// kernel drops every new SYN: a connect to it waits until the client's connect timeout.
class FullListener {
 public:
  FullListener();
  FullListener(const FullListener&) = delete;
  FullListener& operator=(const FullListener&) = delete;
  ~FullListener();
  std::uint16_t port() const noexcept { return port_; }

 private:
  int listener_ = -1;
  int filler_ = -1;  // the one connection the queue of a backlog of 0 holds
  std::uint16_t port_ = 0;
};

}  // namespace sluice::test
