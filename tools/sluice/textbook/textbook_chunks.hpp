// The batching both textbook designs cut their URL list with: consecutive chunks of
// len / n items, as Python's itertools.batched(urls, len(urls) // n) cuts them.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <vector>

namespace sluice::detail {

// Items [begin, end) of the list.
struct Chunk {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Chunks of count / n items, the last one shorter when n does not divide count: 200 items
// and n = 10 make 10 chunks of 20, 205 make 11 (the eleventh of 5), 19 make 19 chunks of 1.
// Fewer than n items make a chunk size of 0, which batched() rejects; so is this error.
std::expected<std::vector<Chunk>, std::string> textbook_chunks(std::size_t count, std::size_t n);

}  // namespace sluice::detail
