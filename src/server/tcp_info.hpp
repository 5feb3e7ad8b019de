// What the kernel knows about one TCP connection (TCP_INFO), as far as the test server asks.
#pragma once

#include <cstdint>
#include <optional>

namespace sluice::detail {

// tcpi_bytes_acked of the connected TCP socket `fd`: the bytes of data the peer has
// acknowledged so far. Empty if the socket cannot tell (not TCP, or a kernel before 4.1).
std::optional<std::uint64_t> bytes_acked(int fd) noexcept;

}  // namespace sluice::detail
