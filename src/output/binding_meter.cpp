// The run's sampler: looks at the gauges every 10 ms to name what bound the run, and writes
// the --stats-log lines every 100 ms.
#include "output/binding_meter.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace sluice::detail {
namespace {

// Nearest rank, as the summary computes its percentiles.
double percentile(std::vector<double>& values, std::uint64_t percent) {
  const std::uint64_t rank = (percent * values.size() + 99) / 100;
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

}  // namespace

BindingMeter::BindingMeter(const LiveCounters& live, std::uint64_t fixed_cap, QueueProbe probe,
                           StatsLog* log, TimeSource& clock)
    : live_(live),
      fixed_cap_(fixed_cap),
      probe_(std::move(probe)),
      log_(log),
      clock_(clock),
      started_(clock.now()),
      last_sample_(started_),
      thread_([this](std::stop_token stop) { loop(stop); }) {}

BindingMeter::~BindingMeter() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t BindingMeter::cap() const {
  return fixed_cap_ > 0 ? fixed_cap_ : live_.limit.load(std::memory_order_relaxed);
}

std::uint64_t BindingMeter::link_rate() const {
  return live_.link_rate.load(std::memory_order_relaxed);
}

void BindingMeter::on_record(const Record& record) {
  if (record.attempts == 0) return;
  std::lock_guard lock(mutex_);
  if (record.ok) tally_.add_latency(record.elapsed_ms, all_slots_busy_);
  if (log_ != nullptr) interval_ms_.push_back(record.elapsed_ms);
}

void BindingMeter::loop(std::stop_token stop) {
  // Deadlines on a fixed grid, so a late wake-up does not shift every later sample.
  for (std::uint64_t count = 1;; ++count) {
    if (!clock_.sleep_until(started_ + count * kSampleEvery, stop)) return;
    sample(clock_.now(), count % kSamplesPerLine == 0);
  }
}

void BindingMeter::sample(TimeSource::time_point now, bool write_line) {
  const QueueGauges queue = probe_(write_line);
  const GaugeSample gauges{
      .in_flight = live_.in_flight.load(std::memory_order_relaxed),
      .cap = cap(),
      .waiting_for_bandwidth = live_.waiting_for_bandwidth.load(std::memory_order_relaxed),
      .waiting_for_rate = live_.waiting_for_rate.load(std::memory_order_relaxed),
      .queued = queue.queued,
      .parked = queue.parked,
      .input_complete = live_.input_complete.load(std::memory_order_relaxed),
  };
  const auto lasted = now - last_sample_;
  last_sample_ = now;
  std::vector<double> latencies;
  {
    std::lock_guard lock(mutex_);
    const BindingKind state = tally_.add(gauges, lasted);
    all_slots_busy_ = state == BindingKind::Concurrency;
    // The busiest host is looked up once per line only, and stands for the whole interval.
    if (write_line && !queue.busiest_host.empty()) {
      tally_.add_parked_host(queue.busiest_host, kSamplesPerLine * kSampleEvery);
    }
    if (write_line) latencies.swap(interval_ms_);
  }
  if (!write_line || log_ == nullptr || !log_error_.empty()) return;
  const auto t_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now - started_).count());
  const StatsLine line{
      .t_ms = t_ms,
      .in_flight = gauges.in_flight,
      .limit = gauges.cap,
      .records = live_.records.load(std::memory_order_relaxed),
      .ok = live_.ok.load(std::memory_order_relaxed),
      .bytes = live_.bytes.load(std::memory_order_relaxed),
      .p50_ms = latencies.empty() ? std::nullopt : std::optional(percentile(latencies, 50)),
      .p99_ms = latencies.empty() ? std::nullopt : std::optional(percentile(latencies, 99)),
      .link_rate = link_rate() > 0 ? std::optional(link_rate()) : std::nullopt,
  };
  if (auto appended = log_->append(line); !appended) log_error_ = appended.error();
}

Binding BindingMeter::finish() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  // The time since the last sample, and a last line with the final totals.
  sample(clock_.now(), true);
  std::lock_guard lock(mutex_);
  Binding binding = tally_.decide(cap());
  binding.link_rate = link_rate();
  return binding;
}

}  // namespace sluice::detail
