// Pacing received bytes against the shared --max-bandwidth bucket: its default burst and one
// transfer's pause-and-resume bookkeeping for the event loop. The receive windows that keep
// the kernel from reading far ahead of the cap are window_budget.hpp's.
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
