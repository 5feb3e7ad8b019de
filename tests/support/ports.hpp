// Loopback ports for tests.
#pragma once

#include <cstdint>

namespace sluice::test {

// A port on 127.0.0.1 that nothing listens on: bound, then closed. Another process could
// take it again, but the kernel hands out ports in turn, so not for a long while.
std::uint16_t closed_port();

}  // namespace sluice::test
