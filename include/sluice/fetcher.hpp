// The library's entry point: fetch every URL named by a list of sources, one Record each.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/options.hpp"
#include "sluice/record.hpp"

namespace sluice {

// Receives every record of a run, exactly once per input URL, in completion order.
// Called from the engine's thread(s): an implementation used with a multi-threaded
// engine must be thread-safe. It must not throw.
class RecordSink {
 public:
  RecordSink() = default;
  RecordSink(const RecordSink&) = delete;
  RecordSink& operator=(const RecordSink&) = delete;
  virtual ~RecordSink() = default;
  virtual void on_record(Record&& record) = 0;
};

// The server pause that ends last: a host held back by its server's Retry-After, or by
// RateLimit headers with no request left, and when on the system clock it may go again.
// Thread-safety: any thread; a mutex guards the pair, which no single atomic can hold, and
// is held only to copy it.
class PausedHostGauge {
 public:
  struct Pause {
    std::string host;
    std::chrono::system_clock::time_point until;
    std::string cause;  // the header that asked for it: "Retry-After" or "RateLimit"
  };
  // Keeps this pause unless the one kept ends later.
  void offer(std::string host, std::chrono::system_clock::time_point until,
             std::string cause = {}) {
    std::lock_guard lock(mutex_);
    if (!pause_ || until >= pause_->until) {
      pause_ = Pause{std::move(host), until, std::move(cause)};
    }
  }
  // The pause kept, unless it is over at `now`.
  std::optional<Pause> current(std::chrono::system_clock::time_point now) const {
    std::lock_guard lock(mutex_);
    if (!pause_ || pause_->until <= now) return std::nullopt;
    return pause_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<Pause> pause_;  // guarded by mutex_
};

// Gauges for a live progress display and the run's sampler (which names what bound the
// run), written by the run and read by anyone. Every field is independent and only
// displayed or sampled, so relaxed atomics suffice (the paused host keeps its own lock).
struct LiveCounters {
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> urls_read{0};  // items taken from the sources so far
  std::atomic<bool> input_complete{false};  // urls_read is the final total
  std::atomic<std::uint64_t> limit{0};      // the live cap of -c auto; 0 for a fixed -c
  std::atomic<std::uint64_t> records{0};    // records delivered to the sink so far
  std::atomic<std::uint64_t> ok{0};         // of which ok
  std::atomic<std::uint64_t> bytes{0};      // body bytes of the records delivered
  // Transfers that wait (paused or blocked) for Options::max_bandwidth tokens.
  std::atomic<std::uint64_t> waiting_for_bandwidth{0};
  // Options::adaptive_bandwidth: the link's rate as learned so far, bytes per second; 0
  // until the first is learned, and without it.
  std::atomic<std::uint64_t> link_rate{0};
  // Starts that wait for Options::rate: the next item has been taken but the bucket is empty.
  std::atomic<std::uint64_t> waiting_for_rate{0};
  // Items held back for their host (its Options::per_host cap or its server's pause), and
  // retries waiting for their time, as admission last handed out an item.
  std::atomic<std::uint64_t> parked{0};
  std::atomic<std::uint64_t> waiting_to_retry{0};
  PausedHostGauge paused_host;
};

// What held a run back, as the sampler saw it every 10 ms (src/output/binding_tally.hpp
// has the rules).
enum class BindingKind {
  None,         // nothing was sampled: the run was shorter than one sample
  Concurrency,  // all slots (-c, or -c auto's live limit) busy
  Server,       // all slots busy, and the latency rose well above its floor meanwhile
  Bandwidth,    // transfers waiting for Options::max_bandwidth
  Rate,         // starts waiting for Options::rate
  PerHost,      // URLs parked behind Options::per_host caps (or a host's pause) with slots free
  Input,        // slots free and nothing queued while the input was still being read
  Tail,         // slots free with the input over: the last URLs running out
};
inline constexpr std::size_t kBindingKinds = 8;

struct Binding {
  BindingKind kind = BindingKind::None;
  double share = 0;         // of the sampled time spent in the winning state, 0..1
  std::string host;         // PerHost: the host with the most URLs parked
  double latency_rise = 0;  // Server: busy-period p50 over the run's floor
  double busy_p50_ms = 0;   // p50 latency of the ok records that ended with all slots busy
  double floor_ms = 0;      // p1 latency of all ok records
  std::uint64_t slots = 0;  // the cap at the end: -c, or -c auto's last limit
  // Options::adaptive_bandwidth: the link's rate learned by the end, bytes per second; else 0.
  std::uint64_t link_rate = 0;
  // Share of the sampled time in each state, indexed by BindingKind (None: no state held).
  std::array<double, kBindingKinds> shares{};
};

// "concurrency", "server", "bandwidth", "rate", "per_host", "input", "tail" or "none".
std::string_view to_string(BindingKind kind) noexcept;

// How a caller ends a run early; either token may be left empty.
struct RunControl {
  // Ends admission (the first Ctrl-C): URLs not yet started get cancelled records, and
  // transfers in flight get Options::grace to finish before they are aborted.
  std::stop_token stop;
  // Aborts the transfers in flight at once (a second Ctrl-C); they get cancelled records.
  std::stop_token abort;
};

struct FetchReport {
  std::uint64_t urls = 0;              // records delivered to the sink
  std::uint64_t skipped = 0;           // input URLs skipped because Options::resume_from had them
  std::uint64_t skipped_failures = 0;  // of which the final record is a failure (a 404, ...)
  double wall_ms = 0;                  // from the first admission to the last record
  bool stopped = false;                // a stop or abort request ended the run early
  std::uint64_t final_limit = 0;       // where -c auto's cap ended; 0 for a fixed -c
  // The event loops that ran its transfers (Options::event_loops as the run resolved it: auto
  // picks by cores); 0 on the thread engine and the textbook designs.
  std::size_t event_loops = 0;
  Binding bound_by;                    // what held the run back most of the time
  std::string stats_log_error;         // the first Options::stats_log write error, or empty
};

// What Options::resume_from held.
struct ResumeReport {
  std::uint64_t final_records = 0;   // records that need no new attempt
  std::uint64_t bad_lines = 0;       // lines that are not records; their URLs are fetched again
  std::uint64_t first_bad_line = 0;  // from 1; 0 when there is none
  bool ends_mid_line = false;        // a torn last line: an appender must write '\n' first
};

// One run over `sources` (URLs with ranges, "@FILE" lists, "-" for stdin). Not
// thread-safe; run() is called at most once.
class Fetcher {
 public:
  // Checks the options, opens every source, creates the output directory and removes from it
  // the temporaries of saved bodies that processes no longer running left, then reads the
  // resume file (rewriting it when it holds more than final records: Options::resume_from).
  // Throws UsageError naming the first problem; nothing has been fetched then.
  Fetcher(Options options, std::vector<std::string> sources);
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;
  ~Fetcher();

  // Streams the input and fetches every URL, one record each to `sink`. After a stop or
  // abort request every URL read so far still gets exactly one record.
  FetchReport run(RecordSink& sink, RunControl control = {}, LiveCounters* live = nullptr);

  // Set when Options::resume_from was given.
  std::optional<ResumeReport> resume_report() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Fetcher(options, sources).run(sink, control, live), for callers with nothing to do between.
FetchReport fetch(const Options& options, std::vector<std::string> sources, RecordSink& sink,
                  RunControl control = {}, LiveCounters* live = nullptr);

}  // namespace sluice
