// The deterministic byte pattern of the test server's /bytes/{n} bodies, shared with tests
// that check what a client saved.
#pragma once

#include <cstdint>

namespace sluice {

// The pattern repeats every kBodyPatternPeriod bytes, so any block that starts at a multiple
// of the period is the same bytes.
inline constexpr std::uint64_t kBodyPatternPeriod = 256;

// Byte `i` (from 0) of every /bytes/{n} body.
constexpr char body_byte(std::uint64_t i) noexcept {
  return static_cast<char>(static_cast<unsigned char>((i * 31 + 7) & 0xffU));
}

}  // namespace sluice
