// When requests arrived at a test server, counted in bins of 100 ms: the request timeline as
// the server saw it, for checking a client's request rate without trusting the client's clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "server/acked_bins.hpp"

namespace sluice::detail {

// Bin k holds the requests whose header was read in [start + k * 100 ms,
// start + (k + 1) * 100 ms). The server gives it the start of its AckedBins, so that bin k of
// both covers the same 100 ms.
// Thread-safety: every member may be called from any thread at once; one mutex guards the bins
// (a counted request takes it once, far less than the work of answering it).
// Lifetime: no ties; owned by the server's state.
class RequestBins {
 public:
  static constexpr std::chrono::milliseconds kWidth{100};

  explicit RequestBins(std::chrono::steady_clock::time_point start) : start_(start) {}

  // One request arrived at `now`; a time before the start counts in bin 0.
  void count(std::chrono::steady_clock::time_point now);

  // Every bin up to the last one with a request in it.
  std::vector<std::uint64_t> bins() const;
  // The last `count` (at most) of bins().
  RecentBins recent(std::size_t count) const;

 private:
  const std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  // Guarded by mutex_. 8 bytes per 100 ms up to the last request: about 300 KB for an hour.
  std::vector<std::uint64_t> bins_;
};

}  // namespace sluice::detail
