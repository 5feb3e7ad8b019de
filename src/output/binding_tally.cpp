// The rules that name what bound a run, from samples of its gauges.
#include "output/binding_tally.hpp"

#include <algorithm>

namespace sluice {

std::string_view to_string(BindingKind kind) noexcept {
  switch (kind) {
    case BindingKind::None:
      return "none";
    case BindingKind::Concurrency:
      return "concurrency";
    case BindingKind::Server:
      return "server";
    case BindingKind::Bandwidth:
      return "bandwidth";
    case BindingKind::Rate:
      return "rate";
    case BindingKind::PerHost:
      return "per_host";
    case BindingKind::Input:
      return "input";
    case BindingKind::Tail:
      return "tail";
  }
  return "none";
}

}  // namespace sluice

namespace sluice::detail {
namespace {

std::size_t index(BindingKind kind) { return static_cast<std::size_t>(kind); }

}  // namespace

BindingKind binding_state(const GaugeSample& sample) noexcept {
  if (sample.waiting_for_bandwidth > 0) return BindingKind::Bandwidth;
  if (sample.waiting_for_rate > 0) return BindingKind::Rate;
  if (sample.cap > 0 && sample.in_flight >= sample.cap) return BindingKind::Concurrency;
  if (sample.parked > 0) return BindingKind::PerHost;
  if (sample.queued == 0) return sample.input_complete ? BindingKind::Tail : BindingKind::Input;
  return BindingKind::None;
}

BindingKind BindingTally::add(const GaugeSample& sample, std::chrono::nanoseconds lasted) {
  const BindingKind state = binding_state(sample);
  time_[index(state)] += lasted;
  sampled_ += lasted;
  return state;
}

void BindingTally::add_parked_host(const std::string& host, std::chrono::nanoseconds lasted) {
  parked_hosts_[host] += lasted;
}

void BindingTally::add_latency(double ms, bool all_slots_busy) {
  all_ok_.add(ms);
  if (all_slots_busy) busy_ok_.add(ms);
}

Binding BindingTally::decide(std::uint64_t slots) const {
  Binding binding;
  binding.slots = slots;
  if (sampled_.count() <= 0) return binding;
  const auto total = static_cast<double>(sampled_.count());
  for (std::size_t kind = 0; kind < kBindingKinds; ++kind) {
    binding.shares[kind] = static_cast<double>(time_[kind].count()) / total;
  }
  // None is no constraint, so it never wins; ties go to the earlier kind in the enum.
  for (std::size_t kind = index(BindingKind::None) + 1; kind < kBindingKinds; ++kind) {
    if (binding.shares[kind] > binding.share) {
      binding.share = binding.shares[kind];
      binding.kind = static_cast<BindingKind>(kind);
    }
  }
  binding.floor_ms = all_ok_.percentile(1);
  binding.busy_p50_ms = busy_ok_.percentile(50);
  if (binding.floor_ms > 0 && binding.busy_p50_ms > 0) {
    binding.latency_rise = binding.busy_p50_ms / binding.floor_ms;
  }
  if (binding.kind == BindingKind::Concurrency && busy_ok_.count() >= kMinBusyRecords &&
      binding.latency_rise >= kServerRise) {
    binding.kind = BindingKind::Server;
  }
  if (binding.kind == BindingKind::PerHost && !parked_hosts_.empty()) {
    binding.host = std::ranges::max_element(parked_hosts_, {}, [](const auto& entry) {
                     return entry.second;
                   })->first;
  }
  return binding;
}

}  // namespace sluice::detail
