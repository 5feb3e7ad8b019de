// The shared pattern block and the chunked serialization of /bytes/{n} bodies.
#include "server/pattern_body.hpp"

#include <algorithm>
#include <array>

#include "server/body_pattern.hpp"

namespace sluice::detail {
namespace {

// Big enough that a large body takes few writes; a multiple of the pattern period, so every
// chunk starts at pattern position 0 and the same block serves them all.
constexpr std::size_t kPatternBlockSize = std::size_t{64} * 1024;
static_assert(kPatternBlockSize % kBodyPatternPeriod == 0);

}  // namespace

std::span<const char> pattern_block() {
  static const auto kBlock = [] {
    std::array<char, kPatternBlockSize> block{};
    for (std::size_t i = 0; i < block.size(); ++i) {
      block[i] = body_byte(i);
    }
    return block;
  }();
  return kBlock;
}

boost::optional<std::pair<PatternBody::writer::const_buffers_type, bool>> PatternBody::writer::get(
    boost::beast::error_code& ec) {
  ec = {};
  if (remaining_ == 0) {
    return boost::none;
  }
  const auto block = pattern_block();
  // Only a range's first chunk starts off a period boundary; later ones start at 0.
  const auto offset = static_cast<std::size_t>(position_ % kBodyPatternPeriod);
  const auto size =
      static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, block.size() - offset));
  remaining_ -= size;
  position_ += size;
  return {{const_buffers_type(block.data() + offset, size), remaining_ > 0}};
}

}  // namespace sluice::detail
