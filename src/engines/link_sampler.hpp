// What --max-bandwidth auto's link controller sees: the run's TCP sockets, read through
// TCP_INFO for the bytes that arrived and the receiver's round-trip estimate.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "limit/link_controller.hpp"
#include "limit/time_source.hpp"

namespace sluice::detail {

// Every socket a transfer opens is added; every kSampleEvery, the first caller of
// maybe_sample reads each one's tcpi_bytes_received and tcpi_rcv_rtt and tells the controller.
// Why the kernel's counts and not the bytes the write callbacks take: under a pace, data
// waits in the receive buffers, and reading it faster than the link delivers would look like
// a faster link. Why tcpi_rcv_rtt: the receiver's own estimate (from TCP timestamps: an ACK
// it sent to the data that answers it) includes the time in the link's queue; tcpi_rtt is
// measured on what the receiver sends, which is little. Only sockets that received a
// stream since the last sample report a round trip: an idle socket's estimate is stale, and
// one of requests and answers holds the server's wait (link_sampler.cpp).
// A socket closed is dropped at the next sample (TCP_INFO fails); a descriptor number
// reused by a new connection is added again and starts anew.
// Thread-safety: all members may be called from any thread. Lifetime: one per run; the
// controller outlives it.
class LinkSampler {
 public:
  explicit LinkSampler(LinkController& link) : link_(link) {}

  void add(curl_socket_t socket);
  // Samples if kSampleEvery passed since the last sample; cheap otherwise.
  void maybe_sample(TimeSource::time_point now);

 private:
  struct Watched {
    curl_socket_t socket;
    std::uint64_t received;  // tcpi_bytes_received at the last sample
  };

  LinkController& link_;
  // The time of the next sample, in steady_clock ticks; relaxed: a late or doubled check
  // only costs one try_lock.
  std::atomic<std::int64_t> next_sample_{0};
  std::mutex mutex_;
  std::vector<Watched> sockets_;  // guarded by mutex_
};

}  // namespace sluice::detail
