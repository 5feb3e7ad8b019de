// The pace of one connection under ServerConfig::bandwidth: a token bucket kept as a time, which
// says when the next chunk of a body may go and how big the chunks are.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace sluice::detail {

// A token bucket whose level is kept as the moment the bytes charged so far would have left
// at exactly the rate (GCRA). It holds one chunk of credit: a connection that fell behind, say
// through a late timer, catches up by one chunk, and an idle one may send two chunks at once.
// Thread-safety: none; one per connection, used on its thread. Time is passed in.
class Pacer {
 public:
  // `bytes_per_second` > 0.
  explicit Pacer(std::uint64_t bytes_per_second) noexcept;

  // The most a paced write sends at once: 10 ms of the rate, within 1 KiB..16 KiB.
  std::size_t chunk_bytes() const noexcept { return chunk_bytes_; }

  // How long to wait before sending at `now`; zero when sending may start at once.
  std::chrono::steady_clock::duration wait(
      std::chrono::steady_clock::time_point now) const noexcept;

  // Records `bytes` as sent at `now`, which may be after wait() said zero.
  void charge(std::uint64_t bytes, std::chrono::steady_clock::time_point now) noexcept;

 private:
  std::uint64_t bytes_per_second_;
  std::size_t chunk_bytes_;
  std::chrono::steady_clock::duration credit_;  // the time one chunk takes at the rate
  // When everything charged would have left at the rate; later than now means ahead of it.
  std::chrono::steady_clock::time_point paid_until_{};
};

}  // namespace sluice::detail
