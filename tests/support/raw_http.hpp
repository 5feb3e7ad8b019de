// A bare TCP client for answers that libcurl refuses to hand over whole: the exact bytes a
// server writes, however malformed or long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::test {

// Connects to 127.0.0.1:`port`, sends `request` as it is, and returns what comes back until
// the server closes the connection or `max_bytes` have arrived (then this side closes). Each
// read waits at most 10 s. Throws std::runtime_error if it cannot connect or send.
std::string raw_exchange(std::uint16_t port, std::string_view request, std::size_t max_bytes);

}  // namespace sluice::test
