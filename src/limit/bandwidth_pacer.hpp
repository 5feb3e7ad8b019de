// Pacing received bytes against the shared --max-bandwidth bucket: its default burst, one
// transfer's pause-and-resume bookkeeping for the event loop, and a socket receive buffer
// size that keeps the kernel from reading far ahead of the cap.
#pragma once

#include <cstddef>
#include <optional>

#include "limit/time_source.hpp"
#include "limit/token_bucket.hpp"

namespace sluice::detail {

// [article:burst]
// The burst of the byte bucket for a cap of `bytes_per_second`: 20 ms of the rate, at
// least 16 KiB. 16 KiB is the largest chunk libcurl hands a write callback at its default
// buffer size (CURL_MAX_WRITE_SIZE), so a chunk never waits for more than its own bytes.
// 20 ms keeps reads fine-grained: over any window w the rate stays below
// cap + burst / w (1.02 x the cap over a second, 1.2 x over 100 ms), while a transfer
// still takes several chunks per wake-up.
double default_burst(double bytes_per_second);
// [/article:burst]

// The SO_RCVBUF value for each of `transfers` sockets under a cap of `bytes_per_second`: 50 ms
// of the cap split over them, at least 8 KiB each, rounded up to 4 KiB, at most 208 KiB
// (net.core.rmem_max by default); nullopt (a rate that is not a number) leaves the socket
// alone. Why: a paused transfer's kernel would keep receiving into an autotuned buffer of
// megabytes, far ahead of the cap. Why these sizes: docs/benchmarks.md, "Receive buffers".
std::optional<int> receive_buffer_bytes(double bytes_per_second, std::size_t transfers);

// One transfer's side of the shared byte bucket, for the event loop's write callback.
// Worker threads need none of this: they call TokenBucket::take_blocking(bytes, stop).
// Thread-safety: none; one per transfer, used by the thread that runs its callbacks.
// Lifetime: the bucket is shared by all transfers and must outlive each pacer.
class BandwidthPacer {
 public:
  using time_point = TimeSource::time_point;

  explicit BandwidthPacer(TokenBucket& bytes) : bytes_(bytes) {}

  // For a chunk of `bytes` the write callback got: nullopt to take it now, or the time
  // until which to pause the transfer (return CURL_WRITEFUNC_PAUSE, unpause then). The
  // chunk's bytes are reserved when it is first offered, so transfers are served in the
  // order they asked and each resumes exactly once; when libcurl hands the same bytes again
  // after the pause, they pass at once.
  std::optional<time_point> pause_until(std::size_t bytes, time_point now);

 private:
  TokenBucket& bytes_;
  std::size_t prepaid_ = 0;  // reserved for bytes libcurl is to hand again after a pause
};

}  // namespace sluice::detail
