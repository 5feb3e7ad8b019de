// libFuzzer target: the fuzz input is one pattern for RangePattern, which must parse it or
// name the column at fault, and expand any index below size() consistently with size().
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "input/range_pattern.hpp"

namespace {

using sluice::detail::RangePattern;

// Expansions checked per pattern. at() is random access, so the end of a 2^64-URL pattern
// costs no more than its start.
constexpr std::uint64_t kSamples = 64;
constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "invariant broken: %.*s %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

std::string expansion_at(const RangePattern& pattern, std::uint64_t k, std::string_view text) {
  std::string expansion = pattern.at(k);
  // Literals, list items and escapes only shrink; a range prints at most as many characters
  // as its wider endpoint (or its zero padding) takes in the text.
  if (expansion.size() > text.size()) fail("an expansion is longer than its pattern", expansion);
  return expansion;
}

// The indexes checked out of `count`: the first and the last kSamples / 2.
template <typename Check>
void for_samples(std::uint64_t count, const Check& check) {
  const std::uint64_t head = std::min(count, kSamples / 2);
  for (std::uint64_t k = 0; k < head; ++k) check(k);
  const std::uint64_t tail = std::min(count - head, kSamples / 2);
  for (std::uint64_t k = count - tail; k < count; ++k) check(k);
}

// TEXT/TEXT must expand like a two-digit number in base size(TEXT), the first copy the slow
// digit: no range can span the '/' (ranges hold only digits, letters, '-' and ':') and each
// copy's braces pair up within it. This checks size() against what at() produces.
void check_twice(std::string_view text, const RangePattern& pattern) {
  const std::string doubled = std::string(text) + "/" + std::string(text);
  const auto twice = RangePattern::parse(doubled);
  if (!twice) fail("TEXT/TEXT does not parse though TEXT does:", twice.error());
  const std::uint64_t n = pattern.size();
  const bool saturated = n > kMax / n;
  if (twice->size() != (saturated ? kMax : n * n)) fail("size(TEXT/TEXT) is not size(TEXT)^2");
  // When n * n saturates only the head is exact, where k / n is 0.
  for_samples(saturated ? kSamples / 2 : n * n, [&](std::uint64_t k) {
    const std::string expected = pattern.at(k / n) + "/" + pattern.at(k % n);
    if (expansion_at(*twice, k, doubled) != expected) fail("TEXT/TEXT expands to", expected);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto pattern = RangePattern::parse(text);
  if (!pattern) {
    if (pattern.error().find("column ") == std::string::npos) {
      fail("a parse error that names no column:", pattern.error());
    }
    return 0;
  }
  const std::uint64_t count = pattern->size();
  if (count == 0) fail("a pattern without expansions");
  if (!RangePattern::may_expand(text) && (count != 1 || pattern->at(0) != text)) {
    fail("text without pattern syntax is not its own only expansion");
  }
  for_samples(count, [&](std::uint64_t k) { expansion_at(*pattern, k, text); });
  check_twice(text, *pattern);
  return 0;
}
