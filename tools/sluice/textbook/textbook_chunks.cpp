// The batching both textbook designs cut their URL list with.
#include "textbook/textbook_chunks.hpp"

#include <algorithm>

namespace sluice::detail {

std::expected<std::vector<Chunk>, std::string> textbook_chunks(std::size_t count, std::size_t n) {
  const std::size_t size = n == 0 ? 0 : count / n;
  if (size == 0) {
    // The words of itertools.batched, which the Python reproductions use.
    return std::unexpected("chunk size " + std::to_string(count) + " // " + std::to_string(n) +
                           " = 0: n must be at least one");
  }
  std::vector<Chunk> chunks;
  for (std::size_t begin = 0; begin < count; begin += size) {
    chunks.push_back({begin, std::min(begin + size, count)});
  }
  return chunks;
}

}  // namespace sluice::detail
