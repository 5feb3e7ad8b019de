// How a test server with a capacity treats the requests beyond it: a queue that adds latency,
// and past four times the capacity a 503, decided without I/O.
#pragma once

#include <chrono>
#include <cstdint>

namespace sluice::detail {

// Past this many times the capacity in flight, requests are turned away with a 503.
inline constexpr std::uint64_t kOverloadFactor = 4;

// The time a queued request is taken to need per worker when the server has no latency: the
// queue must cost something, or a capacity without a latency would only ever answer 503.
inline constexpr std::chrono::milliseconds kDefaultServiceTime{10};

struct Admission {
  bool overloaded = false;                // answer 503 at once
  std::chrono::microseconds queueing{0};  // added to the answer's delay
};

// The fate of a request that finds `in_flight` requests in flight, itself included, at a server
// with `capacity` workers (0: unlimited) that each need `service_time` per request. See Server
// for the formula.
Admission admit(std::uint64_t in_flight, std::uint64_t capacity,
                std::chrono::milliseconds service_time) noexcept;

}  // namespace sluice::detail
