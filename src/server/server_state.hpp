// What all connections of one test server share: the counters behind ServerStats and the
// configured latency with its jitter draws.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

#include "server/server.hpp"

namespace sluice::detail {

// Thread-safe: every member may be called from any IO thread at once.
// Lifetime: owned by the server core; outlives every session that refers to it.
class ServerState {
 public:
  explicit ServerState(const ServerConfig& config);

  void on_connection() noexcept;
  void on_request_started() noexcept;
  // Before the answer's first byte is written (see ServerStats::requests).
  void on_answer(std::uint64_t body_bytes) noexcept;
  // After the whole answer was written, or failed to be.
  void on_request_finished() noexcept;
  ServerStats snapshot() const noexcept;

  // The configured latency plus this answer's jitter draw, never negative.
  std::chrono::milliseconds next_latency();

 private:
  // Each counter is independent and only reported, never used to order other memory, so
  // relaxed atomics suffice; a snapshot may mix counts from moments microseconds apart.
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> in_flight_{0};
  std::atomic<std::uint64_t> peak_in_flight_{0};
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::atomic<std::uint64_t> connections_{0};

  const std::chrono::milliseconds latency_;
  const std::chrono::milliseconds jitter_;
  std::mutex jitter_mutex_;
  std::mt19937_64 jitter_engine_;  // guarded by jitter_mutex_
};

}  // namespace sluice::detail
