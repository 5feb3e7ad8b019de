// The run's sampler: looks at the gauges every 10 ms to name what bound the run, and writes
// the --stats-log lines every 100 ms.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "limit/time_source.hpp"
#include "output/binding_tally.hpp"
#include "output/stats_log.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::detail {

// What the input queue holds, for the meter: ready items, items parked behind their host,
// and (when `name_host`) the host with the most parked.
struct QueueGauges {
  std::uint64_t queued = 0;
  std::uint64_t parked = 0;
  std::string busiest_host;
};
using QueueProbe = std::function<QueueGauges(bool name_host)>;

// Samples from its own thread, started by the constructor. Thread-safety: on_record() may
// be called from any thread; finish() from the owner, once. Lifetime: `live`, `probe`, `log`
// (may be null: no stats log) and `clock` must outlive finish().
class BindingMeter {
 public:
  static constexpr std::chrono::milliseconds kSampleEvery{10};
  static constexpr int kSamplesPerLine = 10;  // a stats line every 100 ms

  // `fixed_cap` is -c, or 0 for -c auto, whose live limit is then read from `live`.
  BindingMeter(const LiveCounters& live, std::uint64_t fixed_cap, QueueProbe probe, StatsLog* log,
               TimeSource& clock);
  BindingMeter(const BindingMeter&) = delete;
  BindingMeter& operator=(const BindingMeter&) = delete;
  ~BindingMeter();

  // Counts a record's latency (records not fetched carry none).
  void on_record(const Record& record);
  // Stops sampling, writes a last stats line and decides.
  Binding finish();
  // The first stats log write error, or empty; lines after it are dropped. After finish().
  const std::string& log_error() const noexcept { return log_error_; }

 private:
  void loop(std::stop_token stop);
  // One sample of the gauges, which stands for the time since the previous one.
  void sample(TimeSource::time_point now, bool write_line);
  std::uint64_t cap() const;
  std::uint64_t link_rate() const;  // --max-bandwidth auto's learned rate; 0: none

  const LiveCounters& live_;
  const std::uint64_t fixed_cap_;
  const QueueProbe probe_;
  StatsLog* const log_;
  TimeSource& clock_;
  const TimeSource::time_point started_;
  TimeSource::time_point last_sample_;  // used by the sampling thread only, then by finish()
  std::string log_error_;               // likewise
  std::mutex mutex_;
  BindingTally tally_;               // guarded by mutex_
  bool all_slots_busy_ = false;      // guarded by mutex_: what the last sample showed
  std::vector<double> interval_ms_;  // guarded by mutex_: latencies since the last line
  std::jthread thread_;              // last: starts once everything above is ready
};

}  // namespace sluice::detail
