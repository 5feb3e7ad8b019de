// The bytes that clients have acknowledged, summed over all of a test server's connections in
// bins of 100 ms, read from TCP_INFO: what left the server as the clients' kernels saw it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace sluice::detail {

// The last bins of an AckedBins or a RequestBins, and where they start.
struct RecentBins {
  std::size_t first = 0;  // the index of bins[0] among all bins
  std::vector<std::uint64_t> bins = {};
};

// The last `count` of `all` (all of them when there are fewer).
RecentBins last_bins(const std::vector<std::uint64_t>& all, std::size_t count);

// Bin k holds the bytes acknowledged in [start + k * 100 ms, start + (k + 1) * 100 ms), where
// start is the construction (the server's start). A timer calls sample() just after each bin
// ends, and each connection's last growth is read just before its socket closes.
// Thread-safety: every member may be called from any thread at once. One mutex guards all and
// is held around the TCP_INFO reads too: a socket leaves (unwatch) before its fd is closed, so
// a read never meets a closed fd, or a new connection that reuses the number.
// Lifetime: must outlive every connection it watches.
class AckedBins {
 public:
  static constexpr std::chrono::milliseconds kWidth{100};

  explicit AckedBins(std::chrono::steady_clock::time_point start) : start_(start) {}

  std::chrono::steady_clock::time_point start() const noexcept { return start_; }

  // A new connection on `fd`; only its bytes acknowledged from now on are counted.
  void watch(int fd);
  // Counts the last growth of `fd` in the bin of `now`; call before the fd is closed.
  void unwatch(int fd, std::chrono::steady_clock::time_point now);
  // Reads every watched connection and counts their growth in the bin that ended last by
  // `now`, which is sampled late by however late the timer ran. Cheap when none is watched.
  void sample(std::chrono::steady_clock::time_point now);

  // Every bin up to the last one with a byte in it: trailing empty bins are left out.
  std::vector<std::uint64_t> bins() const;
  // The last `count` (at most) of bins().
  RecentBins recent(std::size_t count) const;

 private:
  // The index of the bin that holds `now`.
  std::size_t bin_at(std::chrono::steady_clock::time_point now) const noexcept;
  // The growth of the connection on `fd` since `last`, which moves on; mutex_ held.
  static std::uint64_t growth(int fd, std::uint64_t& last) noexcept;
  void add(std::size_t bin, std::uint64_t bytes);  // mutex_ held

  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  // Each watched fd and its tcpi_bytes_acked at the last reading; guarded by mutex_.
  std::unordered_map<int, std::uint64_t> last_acked_;
  // Guarded by mutex_. 8 bytes per 100 ms from the start to the last acknowledged byte:
  // about 300 KB for a server that serves for an hour.
  std::vector<std::uint64_t> bins_;
};

// One connection's place in AckedBins, from its accept until just before its close.
// Thread-safety: none; it lives in its session. Lifetime: `bins` outlives it, and it ends
// (end() or the destructor) before the socket's fd is closed.
class AckedBinsEntry {
 public:
  AckedBinsEntry(AckedBins& bins, int fd);
  AckedBinsEntry(const AckedBinsEntry&) = delete;
  AckedBinsEntry& operator=(const AckedBinsEntry&) = delete;
  ~AckedBinsEntry() { end(); }

  void end() noexcept;  // idempotent

 private:
  AckedBins& bins_;
  int fd_;  // -1 once ended
};

}  // namespace sluice::detail
