// The deterministic byte pattern of the test server's /bytes/{n} bodies, shared with tests
// that check what a client saved.
#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

// The pattern repeats every kBodyPatternPeriod bytes, so any block that starts at a multiple
// of the period is the same bytes.
inline constexpr std::uint64_t kBodyPatternPeriod = 256;

// Byte `i` (from 0) of every /bytes/{n} body.
constexpr char body_byte(std::uint64_t i) noexcept {
  return static_cast<char>(static_cast<unsigned char>((i * 31 + 7) & 0xffU));
}

// Whether `body` is the first body.size() bytes of that pattern: what a client got of a
// /bytes/{n} answer, whole or cut short.
constexpr bool is_body_prefix(std::string_view body) noexcept {
  for (std::uint64_t i = 0; i < body.size(); ++i) {
    if (body[i] != body_byte(i)) return false;
  }
  return true;
}

}  // namespace sluice
