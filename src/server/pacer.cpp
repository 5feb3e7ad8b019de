// The token-bucket arithmetic of the test server's per-connection bandwidth.
#include "server/pacer.hpp"

#include <algorithm>

namespace sluice::detail {
namespace {

// Small chunks keep the pace smooth at any scale a test looks at (100 ms bins); 1 KiB keeps
// the writes of a slow rate from being mostly overhead, and 16 KiB those of a fast one from
// turning into bursts the kernel would send back to back.
constexpr std::size_t kMinChunkBytes = 1024;
constexpr std::size_t kMaxChunkBytes = std::size_t{16} * 1024;
constexpr std::uint64_t kChunksPerSecond = 100;  // a chunk is 10 ms of the rate

std::chrono::steady_clock::duration time_to_send(std::uint64_t bytes,
                                                 std::uint64_t bytes_per_second) {
  // Double arithmetic cannot overflow for any rate, and its rounding (under a nanosecond per
  // chunk) adds up to nothing a test could see.
  const std::chrono::duration<double> seconds(static_cast<double>(bytes) /
                                              static_cast<double>(bytes_per_second));
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(seconds);
}

}  // namespace

Pacer::Pacer(std::uint64_t bytes_per_second) noexcept
    : bytes_per_second_(bytes_per_second),
      chunk_bytes_(static_cast<std::size_t>(std::clamp<std::uint64_t>(
          bytes_per_second / kChunksPerSecond, kMinChunkBytes, kMaxChunkBytes))),
      credit_(time_to_send(chunk_bytes_, bytes_per_second)) {}

std::chrono::steady_clock::duration Pacer::wait(
    std::chrono::steady_clock::time_point now) const noexcept {
  return std::max(paid_until_ - now, std::chrono::steady_clock::duration::zero());
}

void Pacer::charge(std::uint64_t bytes, std::chrono::steady_clock::time_point now) noexcept {
  // An idle connection earns at most one chunk of credit, however long it was idle.
  paid_until_ = std::max(paid_until_, now - credit_) + time_to_send(bytes, bytes_per_second_);
}

}  // namespace sluice::detail
