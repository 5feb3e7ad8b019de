// What may start now: new URLs, retries and their times, per-host caps, --per-host-rate and
// server pauses (Retry-After, RateLimit), --rate, and the cap on requests in flight (-c, -c auto).
// The engines ask it and only drive transfers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "admission/concurrency_limit.hpp"
#include "input/input_item.hpp"
#include "limit/connect_window.hpp"
#include "limit/host_limiter.hpp"
#include "limit/rate_limit_headers.hpp"
#include "limit/time_source.hpp"
#include "limit/token_bucket.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::detail {

struct AdmissionSettings {
  // The most items held at once: new input, retries waiting for their time and items
  // parked for their host together. It keeps a 10-million-line input out of memory: the
  // producer blocks while it is full. Retries count but never block, so a wave of
  // failures slows the producer instead of growing without limit.
  std::size_t capacity = 1024;
  // Non-zero: also the most new items queued, apart from retries and parked items. A
  // producer that takes turns between several sources (watch mode's jobs) keeps a
  // newcomer's first item that close to a start, however many retries wait.
  std::size_t fresh_capacity = 0;
  std::size_t per_host = 0;  // --per-host: requests in flight per host; 0: no cap
  double per_host_rate = 0;  // --per-host-rate: starts per second to each host; 0: none
  double rate = 0;           // --rate: starts per second; 0: none
  // The longest a server's word holds its host back: a Retry-After, or the reset its
  // RateLimit headers announce, which also bounds the spacing of the requests it allows
  // (Options::max_retry_wait). No transfer runs meanwhile, so no timeout would end it.
  std::chrono::nanoseconds max_host_pause = std::chrono::nanoseconds::max();
  // Options::connect_window: the connects in flight at first, per host and overall (see
  // ConnectWindow); 0: no pacing.
  std::size_t connect_window = 0;
};

// An item that may start now. Every admitted item is released exactly once (release()),
// whatever becomes of its transfer.
struct Admitted {
  InputItem item;
  std::size_t in_flight = 0;  // requests in flight with this one, for its -c auto sample
};

// Thread-safety: every member may be called from any thread. One producer pushes (the
// reader thread, or watch mode's feeder); an engine asks for the next item, either with
// next() from an event loop or with next_blocking() from any number of worker threads,
// and settles each admitted item from any thread. Lifetime: one per run; `clock` must
// outlive it.
// An item whose host (InputItem::host; empty: not tracked) is at its cap, paused, within its
// --per-host-rate interval or out of its announced rate is parked with its host, and the others go
// on meanwhile; a release or the end of the pause brings the host's parked items back first. Parked
// items count against the capacity, so a list that is mostly one host parks at most that many of
// it.
class Admission {
 public:
  using time_point = TimeSource::time_point;

  // `limit` caps the requests in flight. `live` (may be null) gets the gauges admission
  // knows: -c auto's limit, the starts waiting for --rate, the parked items, the waiting
  // retries and the paused host.
  Admission(AdmissionSettings settings, std::unique_ptr<ConcurrencyLimit> limit, TimeSource& clock,
            LiveCounters* live = nullptr);

  // --- The producer's side.
  // Blocks while admission holds `capacity` items. Returns false once it is cancelled.
  bool push(InputItem&& item);
  // The producer's promise that no more items come.
  void close();
  // Ends the run's admission: blocked and future pushes fail, next() finds nothing. What
  // is still held stays for take_all(), so that each item still gets a record.
  void cancel();
  // True from cancel() on; cheap enough to ask before every start.
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  // After cancel(): everything still queued, waiting to be retried or parked.
  std::vector<InputItem> take_all();

  // --- The engine's side: what may start now.
  struct NotBefore {  // nothing may start before `at` unless woken sooner
    time_point at;
  };
  struct UntilWoken {};  // nothing may start until a wake-up (or a settle of the asker's)
  struct Drained {};     // the input is over and nothing is in flight, or cancelled
  using Next = std::variant<Admitted, NotBefore, UntilWoken, Drained>;

  // Non-blocking, for an event loop; `now` on the admission's clock. After an answer other
  // than Admitted, the wake-up callback fires when something arrives from another thread
  // (input, the close, a cancel) or is settled.
  Next next(time_point now);
  // Called outside the lock, from the thread that brought the change. May be set while the
  // producer runs: a consumer only waits on it after its own next(), which sees it.
  void set_wakeup(std::function<void()> wakeup);

  // Blocking, for worker threads: the next admitted item, or nullopt once drained,
  // cancelled or `stop` is requested. Sleeps on the clock until the earliest time
  // something may start, and wakes sooner for new input, a release, a retry, a higher
  // limit or the end of the run.
  std::optional<Admitted> next_blocking(std::stop_token stop);

  // --- Reports of connects: the connect window (AdmissionSettings::connect_window) paces
  // them, and a --per-host-rate interval runs from the moment a request goes out.
  // Whether admission has a use for the reports; the same for its whole life.
  bool wants_connect_reports() const noexcept;
  // The engine's promise, before its first next(), to end each admitted item's connect
  // with connect_ended(). Without it connects are not paced and a --per-host-rate
  // interval runs from the admission.
  void expect_connect_reports();
  // Ends the connect of an admitted item to `host`: its request is about to go out
  // (Reused, Connected or Retransmitted) or its transfer ended before that (Failed when its
  // connect did, else Reused). Exactly once per admitted item.
  void connect_ended(const std::string& host, ConnectOutcome outcome);

  // --- Settling a finished attempt (see settle() in engines/engine.hpp).
  // Spreads the requests to `host` over what its server announced it accepts (see
  // HostLimiter::observe_rate_limit), its reset capped by max_host_pause.
  void observe_rate_limit(const std::string& host, const RateLimitInfo& limit);
  // Starts nothing more to `host` for `pause` (a server's Retry-After), at most
  // max_host_pause.
  void pause_host(const std::string& host, std::chrono::nanoseconds pause);
  // One finished request, for the concurrency limit: its round-trip time, Admitted's
  // in_flight, and whether it failed for overload (see AdaptiveLimit::on_sample).
  void on_sample(std::chrono::nanoseconds rtt, std::size_t in_flight_at_start, bool dropped);
  // Hands back an item to be admitted again once `wait` has passed, ahead of new input.
  void retry(InputItem&& item, std::chrono::nanoseconds wait);
  // Ends the request of an admitted item to `host` (its InputItem::host, empty for none):
  // frees its place under the concurrency limit and under its host's cap.
  void release(const std::string& host);

  // What admission holds now, for the run's sampler. `busiest_host` (the host with the
  // most items parked) only when asked for, as it walks the parked hosts.
  struct Occupancy {
    std::size_t queued = 0;  // new input not yet looked at
    std::size_t parked = 0;  // held back for their host
    bool full = false;       // a push would wait now
    std::string busiest_host;
  };
  Occupancy occupancy(bool name_host);

 private:
  struct Waiting {
    time_point due;
    std::uint64_t order;  // breaks ties in the order retries were handed back
    InputItem item;
    // Heap order: std::push_heap keeps the greatest first, so "greater" means "later".
    bool operator<(const Waiting& other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };
  // Items held back for one host. `scheduled`: the host is on hosts_to_try_ or host_wakes_
  // already, once however many of its items wait and requests end, so that a paused host
  // with a full queue costs one look per wake-up, not one per item.
  struct ParkedHost {
    std::deque<InputItem> items;
    bool scheduled = false;
  };
  // Whom a change wakes: the non-blocking consumer's callback and blocked workers' stop
  // sources, signalled after the lock is released.
  struct Wakes {
    std::function<void()> consumer;
    std::vector<std::stop_source> sleepers;
    void signal();
  };

  // The callers of these hold mutex_.
  Next next_locked(time_point now);
  std::size_t held_count() const;  // new input, retries, parked items, the item held for --rate
  bool full() const;
  // Whether to wake a producer waiting for room: when a quarter of the bound is free, or new
  // input runs short of that. Woken for every start of a long list (a futex wake, a switch to
  // the reader, one push), it cost the client about 7 % of its CPU at c=10,000 (perf).
  bool refill_due() const;
  bool drained() const;  // closed, nothing held, nothing in flight
  std::optional<time_point> earliest_due() const;
  std::optional<InputItem> take_due(time_point now);
  // The next item whose host lets it start now: a due retry, a parked item whose host has
  // room, or new input; items whose host has none are parked on the way.
  std::optional<InputItem> take_next(time_point now);
  bool admit_or_park(InputItem& item, time_point now);
  void wake_host_at(const std::string& host, ParkedHost& parked, time_point at);
  // Collects the consumer's callback (if it waits) and one or all sleeping workers; one
  // (not all) only while something may start under the limit.
  Wakes wakes(bool all);
  // Stores the starts waiting for --rate, the parked items and the waiting retries in the
  // live counters; called with the lock held.
  void publish_gauges();
  // Tells the gauge of `host`'s pause, if it has one at `now`, and its `cause` (the header
  // that asked for it). No lock needed.
  void publish_pause(const std::string& host, std::optional<time_point> until, time_point now,
                     const char* cause);

  const std::size_t capacity_;
  const std::size_t fresh_capacity_;  // 0: none
  const std::chrono::nanoseconds max_host_pause_;
  const std::unique_ptr<ConcurrencyLimit> limit_source_;
  TimeSource& clock_;
  LiveCounters* const live_;

  std::mutex mutex_;
  std::condition_variable not_full_;  // guarded by mutex_: the producer waits on it
  std::function<void()> wakeup_;      // guarded by mutex_
  bool consumer_waiting_ = false;     // guarded by mutex_: next() answered "not now"
  // Guarded by mutex_: one per blocked worker, stopped to wake it. A worker sleeps on the
  // clock (so that a test's clock wakes it when moved), and a stop source is what ends
  // a clock's sleep early.
  std::deque<std::stop_source> sleepers_;
  // Guarded by mutex_: the deadlines of the sleepers that keep the time; the others sleep
  // until woken.
  std::multiset<time_point> timed_sleepers_;

  // All guarded by mutex_.
  std::deque<InputItem> items_;   // new input
  std::vector<Waiting> retries_;  // a heap, the earliest due first
  std::uint64_t retries_handed_back_ = 0;
  // Items held back for their host, by host; the hosts whose parked items may go now
  // (after a release); and when paused hosts may go again (a heap, the earliest first).
  std::unordered_map<std::string, ParkedHost> parked_;
  std::size_t parked_count_ = 0;
  std::deque<std::string> hosts_to_try_;
  std::vector<std::pair<time_point, std::string>> host_wakes_;
  HostLimiter hosts_;
  // --rate: one request's token is the whole burst, so starts are spaced evenly. The item
  // taken (its host admitted) that waits for its reserved start, and that start.
  std::optional<BasicTokenBucket> rate_;
  std::optional<InputItem> held_;
  std::optional<time_point> rate_ready_;
  // Set from expect_connect_reports() on, when AdmissionSettings::connect_window asks for
  // pacing.
  std::optional<ConnectWindow> connects_;
  const std::size_t connect_window_;  // AdmissionSettings::connect_window
  bool connect_reports_ = false;      // expect_connect_reports() was called
  std::size_t limit_;                 // limit_source_->limit() as last read
  std::size_t in_flight_ = 0;         // admitted and not yet released
  bool closed_ = false;
  // Written under mutex_, so waits see it; atomic so that cancelled() needs no lock.
  std::atomic<bool> cancelled_ = false;
};

}  // namespace sluice::detail
