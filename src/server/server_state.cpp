// Counters, latency draws and fault choices shared by the test server's connections.
#include "server/server_state.hpp"

#include <algorithm>

namespace sluice::detail {
namespace {

// Gives the fault draws a stream apart from the jitter's: with the same seed both engines
// would draw the same numbers, and the slowest answers would also be the faulted ones.
constexpr std::uint64_t kFaultSeedMask = 0x9e3779b97f4a7c15;

void raise_peak(std::atomic<std::uint64_t>& peak, std::uint64_t now) noexcept {
  auto seen = peak.load(std::memory_order_relaxed);
  while (now > seen && !peak.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}

}  // namespace

ServerState::ServerState(const ServerConfig& config)
    : acked_bins_(std::chrono::steady_clock::now()),
      request_bins_(acked_bins_.start()),
      bandwidth_(config.bandwidth),
      capacity_(config.capacity),
      service_time_(config.latency > std::chrono::milliseconds{0} ? config.latency
                                                                  : kDefaultServiceTime),
      latency_(std::max(config.latency, std::chrono::milliseconds{0})),
      jitter_(std::max(config.jitter, std::chrono::milliseconds{0})),
      rate_limit_(config.rate_limit),
      jitter_engine_(config.seed),
      fault_mix_(config.faults),
      fault_engine_(config.seed ^ kFaultSeedMask) {
  if (rate_limit_.quota > 0) {
    rate_window_.emplace(rate_limit_, std::chrono::steady_clock::now());
  }
}

void ServerState::on_connection() noexcept { connections_.fetch_add(1, std::memory_order_relaxed); }

Admission ServerState::on_request_started() noexcept {
  // Only a failed allocation of a new bin could throw here, and the process is done for then.
  request_bins_.count(std::chrono::steady_clock::now());
  // The count this request's own increment returns is exact: of requests that start at once,
  // each sees a different n, as each would find a different place in a real queue.
  const auto now = in_flight_.fetch_add(1, std::memory_order_relaxed) + 1;
  raise_peak(peak_in_flight_, now);
  raise_peak(peak_unanswered_, unanswered_.fetch_add(1, std::memory_order_relaxed) + 1);
  const auto admission = admit(now, capacity_, service_time_);
  if (admission.overloaded) {
    overloaded_.fetch_add(1, std::memory_order_relaxed);
  }
  return admission;
}

std::optional<RateTurn> ServerState::take_rate_turn() {
  if (!rate_window_) {
    return std::nullopt;
  }
  const auto turn = rate_window_->take(std::chrono::steady_clock::now());
  if (!turn.admitted) {
    rate_limited_.fetch_add(1, std::memory_order_relaxed);
  }
  return turn;
}

void ServerState::on_answer(std::uint64_t body_bytes, Fault fault) noexcept {
  requests_.fetch_add(1, std::memory_order_relaxed);
  unanswered_.fetch_sub(1, std::memory_order_relaxed);
  if (fault != Fault::None) {
    faults_.fetch_add(1, std::memory_order_relaxed);
  }
  on_more_body(body_bytes);
}

void ServerState::on_more_body(std::uint64_t body_bytes) noexcept {
  bytes_sent_.fetch_add(body_bytes, std::memory_order_relaxed);
}

void ServerState::on_request_finished(std::chrono::steady_clock::duration took) noexcept {
  durations_.record(took);
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
}

ServerStats ServerState::snapshot() const noexcept {
  return {.requests = requests_.load(std::memory_order_relaxed),
          .in_flight = in_flight_.load(std::memory_order_relaxed),
          .peak_in_flight = peak_in_flight_.load(std::memory_order_relaxed),
          .peak_unanswered = peak_unanswered_.load(std::memory_order_relaxed),
          .bytes_sent = bytes_sent_.load(std::memory_order_relaxed),
          .connections = connections_.load(std::memory_order_relaxed),
          .faults = faults_.load(std::memory_order_relaxed),
          .overloaded = overloaded_.load(std::memory_order_relaxed),
          .rate_limited = rate_limited_.load(std::memory_order_relaxed),
          .p50_ms = durations_.percentile(0.5),
          .p99_ms = durations_.percentile(0.99)};
}

std::chrono::milliseconds ServerState::next_latency() {
  if (jitter_.count() == 0) {
    return latency_;
  }
  std::uniform_int_distribution<std::chrono::milliseconds::rep> offset(-jitter_.count(),
                                                                       jitter_.count());
  std::chrono::milliseconds::rep drawn = 0;
  {
    const std::lock_guard lock(jitter_mutex_);
    drawn = offset(jitter_engine_);
  }
  return std::max(latency_ + std::chrono::milliseconds{drawn}, std::chrono::milliseconds{0});
}

Fault ServerState::choose_fault(const FaultRequest& request, std::string_view target) {
  if (request.fault) {
    if (!request.times) {
      return *request.fault;
    }
    const std::lock_guard lock(fault_mutex_);
    auto turn = fault_turns_.find(target);
    if (turn == fault_turns_.end()) {
      turn = fault_turns_.emplace(std::string(target), 0).first;
    }
    return ++turn->second <= *request.times ? *request.fault : Fault::None;
  }
  if (fault_mix_.empty()) {
    return Fault::None;
  }
  double draw = 0;
  {
    const std::lock_guard lock(fault_mutex_);
    draw = std::uniform_real_distribution<double>(0, 1)(fault_engine_);
  }
  return pick_fault(fault_mix_, draw);
}

}  // namespace sluice::detail
