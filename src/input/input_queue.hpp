// The bounded hand-off between the input reader thread and an engine, which also holds the
// URLs that wait to be retried.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "input/input_item.hpp"
#include "limit/host_limiter.hpp"
#include "limit/rate_limit_headers.hpp"

namespace sluice::detail {

// Thread-safe: one producer (the reader), any number of consumers, and retries handed back
// by the consumers. The bound keeps a 10-million-line input from being held in memory: the
// reader blocks while queued plus waiting-to-retry items fill it. Retries count against
// the bound but never block, so a wave of failures slows the reader instead of growing
// without limit.
// With a HostLimiter, an item whose host is at its cap or paused is parked with its host
// and the pops go on with other hosts; a release or the end of the pause brings the host's
// parked items back first. Parked items count against the bound too, so a list that is
// mostly one host parks at most the bound's worth of it while the other hosts proceed.
class InputQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // `hosts` (may be null: no per-host limits) must outlive the queue. A non-zero
  // `fresh_capacity` also bounds the new items queued, apart from the retries and parked
  // items: a producer that takes turns between several sources (watch mode's jobs) keeps
  // a newcomer's first item that close to admission, however many retries wait.
  explicit InputQueue(std::size_t capacity, HostLimiter* hosts = nullptr,
                      std::size_t fresh_capacity = 0);

  // Blocks while the queue is full. Returns false once the queue is cancelled.
  bool push(InputItem&& item);
  // The producer's promise that no more items come.
  void close();
  // Stops the run's admission: blocked and future pushes fail, pops find nothing. What is
  // still queued or waiting stays for take_all(), so that each item still gets a record.
  void cancel();
  // True from cancel() on; cheap enough to ask before every admission.
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  // Hands back an item to be popped again once `due` has passed, ahead of new input.
  void retry(InputItem&& item, Clock::time_point due);
  // Ends the request of a popped item to `host` (its InputItem::host), so that the host's
  // parked items may go. Every popped item with a host must be released exactly once.
  void release(const std::string& host);
  // Starts nothing more to `host` before `until` (a server's Retry-After).
  void pause_host(const std::string& host, Clock::time_point until);
  // Spreads the requests to `host` over what its server announced it accepts (see
  // HostLimiter::observe_rate_limit).
  void observe_rate_limit(const std::string& host, const RateLimitInfo& limit,
                          Clock::time_point now);

  enum class PopStatus {
    Items,    // at least one item was moved out
    Empty,    // nothing now; the wake-up callback fires when input or close arrives
    Drained,  // closed with nothing queued or waiting, or cancelled: the input is over
  };
  // Non-blocking, for an event loop: moves up to `max` items into `out`, due retries first.
  // Retries are handed back by the event loop itself, so it alone knows when one is added;
  // next_due() tells it when to look again (a retry or a host's pause ending).
  PopStatus try_pop(std::vector<InputItem>& out, std::size_t max);
  std::optional<Clock::time_point> next_due();
  // Blocking, for worker threads: the next due retry or queued item; nullopt once the
  // input is drained or the queue cancelled.
  std::optional<InputItem> pop();
  // After cancel(): everything still queued or waiting to be retried.
  std::vector<InputItem> take_all();

  // What the queue holds now, for the run's sampler. `busiest_host` (the host with the most
  // items parked) only when asked for, as it walks the parked hosts.
  struct Occupancy {
    std::size_t queued = 0;  // new input not yet looked at
    std::size_t parked = 0;  // held back for their host
    std::string busiest_host;
  };
  Occupancy occupancy(bool name_host);

  // Called from the producer's thread (or the cancelling one), outside the lock, when an
  // item, the close or a cancel arrives after try_pop answered Empty. May be set while the
  // producer runs: a consumer only waits on it after its own try_pop, which sees it.
  void set_wakeup(std::function<void()> wakeup);

 private:
  struct Waiting {
    Clock::time_point due;
    std::uint64_t order;  // breaks ties in the order retries were handed back
    InputItem item;
    // Heap order: std::push_heap keeps the greatest first, so "greater" means "later".
    bool operator<(const Waiting& other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };
  // Items held back for one host. `scheduled`: the host is on hosts_to_try_ or host_wakes_
  // already. A host is there once, however many of its items wait and requests end: with a
  // copy per item or per release, one paused host with a full queue made every wake-up try
  // it thousands of times.
  struct ParkedHost {
    std::deque<InputItem> items;
    bool scheduled = false;
  };

  // The callers of these hold mutex_.
  bool full() const;
  bool drained() const;  // closed, and nothing queued, waiting or parked
  std::optional<Clock::time_point> earliest_due() const;
  std::optional<InputItem> take_due(Clock::time_point now);
  // The next item that may start now: a due retry, a parked item whose host has room, or
  // new input; items whose host has none are parked on the way.
  std::optional<InputItem> take_next(Clock::time_point now);
  // Whether `item` may start now; parks it when its host says no.
  bool admit_or_park(InputItem& item, Clock::time_point now);
  // Tries `host` again at `at`, unless it is scheduled already.
  void wake_host_at(const std::string& host, ParkedHost& parked, Clock::time_point at);
  std::function<void()> wake_consumer();

  const std::size_t capacity_;
  const std::size_t fresh_capacity_;  // 0: none
  HostLimiter* const hosts_;
  std::mutex mutex_;
  std::function<void()> wakeup_;           // guarded by mutex_
  std::condition_variable not_full_;       // guarded by mutex_
  std::condition_variable not_empty_;      // guarded by mutex_: an item, a due change or the end
  std::deque<InputItem> items_;            // guarded by mutex_
  std::vector<Waiting> retries_;           // guarded by mutex_; a heap, the earliest due first
  std::uint64_t retries_handed_back_ = 0;  // guarded by mutex_
  // Items held back for their host, by host; the hosts whose parked items may go now (after
  // a release); and when paused hosts may go again (a heap, the earliest first). All
  // guarded by mutex_.
  std::unordered_map<std::string, ParkedHost> parked_;
  std::size_t parked_count_ = 0;
  std::deque<std::string> hosts_to_try_;
  std::vector<std::pair<Clock::time_point, std::string>> host_wakes_;
  bool closed_ = false;  // guarded by mutex_
  // Written under mutex_, so waits see it; atomic so that cancelled() needs no lock.
  std::atomic<bool> cancelled_ = false;
  bool consumer_waiting_ = false;  // guarded by mutex_: try_pop found it empty
};

}  // namespace sluice::detail
