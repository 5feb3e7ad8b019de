// The rules that name what bound a run, from samples of its gauges: the state each sample
// shows, the time spent in each, and the verdict at the end.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "output/log_histogram.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::detail {

// One look at the run's gauges.
struct GaugeSample {
  std::uint64_t in_flight = 0;
  std::uint64_t cap = 0;  // -c, or -c auto's live limit
  std::uint64_t waiting_for_bandwidth = 0;
  std::uint64_t waiting_for_rate = 0;
  std::uint64_t queued = 0;  // input items ready in the queue
  std::uint64_t parked = 0;  // items parked behind their host's cap or pause
  bool input_complete = false;
};

// The state one sample shows: the first of these rules that holds.
//   1. a transfer waits for bandwidth tokens           -> Bandwidth
//   2. a start waits for the rate bucket                -> Rate
//   3. in_flight >= cap                                 -> Concurrency
//   4. items are parked behind their host (slots free)  -> PerHost
//   5. nothing queued, input still being read           -> Input
//   6. nothing queued, input over                       -> Tail
//   7. otherwise (items queued and slots free: the engine is between two turns) -> None
// The caps come first because a cap that holds transfers back also keeps the slots busy:
// under --max-bandwidth every slot is busy too, but because its bytes wait.
BindingKind binding_state(const GaugeSample& sample) noexcept;

// Decides at the end (decide()):
//   - the state with the biggest share of the sampled time wins (None when nothing was
//     sampled);
//   - when Concurrency wins, the p50 latency of the ok records that ended while all slots
//     were busy is compared with the run's floor, the p1 latency of all ok records (the
//     unloaded latency, as TCP Vegas takes the least RTT for its base; p1 rather than the
//     least, so that one lucky answer does not set it). At kServerRise times the floor or
//     more, with at least kMinBusyRecords such records, the verdict is Server: more
//     concurrency only made each request slower, the server is the bottleneck;
//   - PerHost names the host that had the most URLs parked for the longest.
// Latency differences between URLs (small and large bodies) also raise the ratio, so the
// threshold is a clear 2x, where half of a typical request's time went to waiting.
// Not thread-safe: one owner feeds it.
class BindingTally {
 public:
  static constexpr double kServerRise = 2.0;
  static constexpr std::uint64_t kMinBusyRecords = 10;

  // The run was in `sample`'s state for `lasted`; returns that state.
  BindingKind add(const GaugeSample& sample, std::chrono::nanoseconds lasted);
  // `host` had the most URLs parked for `lasted`.
  void add_parked_host(const std::string& host, std::chrono::nanoseconds lasted);
  // An ok record's latency; `all_slots_busy` when the last sample before it showed that.
  void add_latency(double ms, bool all_slots_busy);

  // `slots` is the cap at the end, for the report.
  Binding decide(std::uint64_t slots) const;

 private:
  std::array<std::chrono::nanoseconds, kBindingKinds> time_{};  // by BindingKind
  std::chrono::nanoseconds sampled_{0};
  std::unordered_map<std::string, std::chrono::nanoseconds> parked_hosts_;
  LogHistogram all_ok_;   // every ok record
  LogHistogram busy_ok_;  // ok records that ended while all slots were busy
};

}  // namespace sluice::detail
