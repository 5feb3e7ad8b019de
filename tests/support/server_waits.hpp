// Bounded waits for the test server's counters, which may trail what a client has seen: the
// server counts around the bytes it writes, and learns that a client left only when its
// next read or write fails.
#pragma once

#include <chrono>
#include <functional>

#include "server/server.hpp"
#include "support/records.hpp"

namespace sluice::test {

// Polls `condition` for up to 5 s.
inline bool eventually(const std::function<bool()>& condition) {
  return wait_until(condition, std::chrono::seconds(5));
}

// Every request the server began has ended.
inline bool in_flight_drains(const Server& server) {
  return eventually([&] { return server.stats().in_flight == 0; });
}

}  // namespace sluice::test
