// What all connections of one test server share: the counters behind ServerStats, the
// acknowledged-bytes bins and the request-arrival bins, the configured latency with its jitter
// draws, and the choice of each request's fault.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "server/acked_bins.hpp"
#include "server/admission.hpp"
#include "server/fault_request.hpp"
#include "server/latency_histogram.hpp"
#include "server/rate_window.hpp"
#include "server/request_bins.hpp"
#include "server/server.hpp"

namespace sluice::detail {

// Thread-safe: every member may be called from any IO thread at once.
// Lifetime: owned by the server core; outlives every session that refers to it.
class ServerState {
 public:
  explicit ServerState(const ServerConfig& config);

  void on_connection() noexcept;
  // Counts the request in flight and in its arrival bin, and decides, from how many are in flight
  // now, whether it queues or is turned away (see ServerConfig::capacity).
  Admission on_request_started() noexcept;
  // The request's turn in the current window of ServerConfig::rate_limit, counting a refusal
  // in ServerStats::rate_limited; nullopt when the server has no rate limit.
  std::optional<RateTurn> take_rate_turn();
  const RateLimitPolicy& rate_limit() const noexcept { return rate_limit_; }
  // Before the answer's first byte is written (see ServerStats::requests).
  void on_answer(std::uint64_t body_bytes, Fault fault) noexcept;
  // Body bytes an answer writes after on_answer, such as the chunks of an endless body.
  void on_more_body(std::uint64_t body_bytes) noexcept;
  // After the whole answer was written, or failed to be, `took` after its header was read.
  void on_request_finished(std::chrono::steady_clock::duration took) noexcept;
  ServerStats snapshot() const noexcept;

  std::uint64_t bandwidth() const noexcept { return bandwidth_; }
  AckedBins& acked_bins() noexcept { return acked_bins_; }
  const AckedBins& acked_bins() const noexcept { return acked_bins_; }
  const RequestBins& request_bins() const noexcept { return request_bins_; }

  // The configured latency plus this answer's jitter draw, never negative.
  std::chrono::milliseconds next_latency();

  // The fault that hits the request for `target`: its own ?fault= while its ?fault_times=
  // allows, else a draw from the configured mix.
  Fault choose_fault(const FaultRequest& request, std::string_view target);

 private:
  // Each counter is independent and only reported, never used to order other memory, so
  // relaxed atomics suffice; a snapshot may mix counts from moments microseconds apart.
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> in_flight_{0};
  std::atomic<std::uint64_t> peak_in_flight_{0};
  std::atomic<std::uint64_t> unanswered_{0};
  std::atomic<std::uint64_t> peak_unanswered_{0};
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> faults_{0};
  std::atomic<std::uint64_t> overloaded_{0};
  std::atomic<std::uint64_t> rate_limited_{0};
  LatencyHistogram durations_;  // thread-safe on its own

  AckedBins acked_bins_;      // thread-safe on its own
  RequestBins request_bins_;  // thread-safe on its own; starts with acked_bins_

  const std::uint64_t bandwidth_;
  const std::uint64_t capacity_;
  const std::chrono::milliseconds service_time_;  // S of the queue model
  const std::chrono::milliseconds latency_;
  const std::chrono::milliseconds jitter_;
  const RateLimitPolicy rate_limit_;
  std::optional<RateWindow> rate_window_;  // thread-safe on its own; set when quota > 0
  std::mutex jitter_mutex_;
  std::mt19937_64 jitter_engine_;  // guarded by jitter_mutex_

  const FaultMix fault_mix_;
  std::mutex fault_mutex_;
  std::mt19937_64 fault_engine_;  // guarded by fault_mutex_
  // Requests seen per target that carries ?fault_times=; guarded by fault_mutex_. It grows
  // with each distinct such target, which tests keep to a handful.
  std::map<std::string, std::uint64_t, std::less<>> fault_turns_;
};

}  // namespace sluice::detail
