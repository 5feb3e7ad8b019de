// Per-host flow control: the in-flight cap of --per-host, the start rate of --per-host-rate,
// pauses that obey a server's Retry-After, and the request rate a server announces in its
// RateLimit headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "limit/time_source.hpp"
#include "limit/token_bucket.hpp"

namespace sluice::detail {

// The answer to "may a request to this host start now?".
struct HostAdmission {
  using time_point = TimeSource::time_point;

  bool admitted = false;
  // For a refusal in time (the host is paused, its --per-host-rate interval has not passed,
  // or its announced rate has no request left yet): the earliest time asking again can succeed.
  // Unset for a refusal because the host is at its in-flight cap: ask again after a release for
  // that host. An engine parks the refused URL with its host and goes on with other hosts
  // meanwhile, which is what keeps a list that is 90 % one host from queueing the other 10 % behind
  // it.
  std::optional<time_point> retry_at;

  explicit operator bool() const noexcept { return admitted; }
};

// Hosts are keys from host_key(). Thread-safety: none; its owner (Admission) calls it under
// its own lock, and each call is a hash lookup and a few comparisons. Lifetime: one per run.
// Memory: a host is tracked only while it has requests in flight, a pause, an announced
// rate or its --per-host-rate interval still running. Releases drop hosts that are left with none;
// hosts whose pause or rate merely ran out are swept when the table has doubled since the last
// sweep, and at least every 10 s. A run over a million hosts thus holds entries for the busy ones
// only, at O(1) amortized cost per call.
class HostLimiter {
 public:
  using time_point = TimeSource::time_point;

  // The most requests in flight per host; 0 means no cap (pauses and announced rates
  // still apply). `starts_per_second` (--per-host-rate; 0: none) spaces the starts to each
  // host at least 1 / starts_per_second apart, as a crawler's per-domain delay: a burst of
  // one, so a host that was quiet for a while gets one start at once, not a handful.
  explicit HostLimiter(std::size_t per_host_cap, double starts_per_second = 0);

  // Counts a request to `key` as started if the host is not paused, below its cap, past its
  // --per-host-rate interval, and has a request left in its announced rate (which this then
  // uses up).
  HostAdmission try_acquire(std::string_view key, time_point now);
  // From here on, a --per-host-rate interval runs from the moment a request goes out
  // (request_sent()), and a host with an admitted request that has not gone out takes no
  // other start. Counted from admission, a start that then waits for the run's --rate, its
  // DNS lookup or its connect lets the next one reach the server less than an interval
  // after it. Does nothing without a --per-host-rate. The caller promises one
  // request_sent() per admitted request.
  void await_sends();
  // Whether a --per-host-rate spaces the starts, so that await_sends() has a use; fixed at
  // construction, so it needs no lock.
  bool spaces_starts() const noexcept { return start_interval_.count() > 0; }
  // A request admitted to `key` went out at `now`, or its transfer ended before it did.
  void request_sent(std::string_view key, time_point now);
  // Ends a request that try_acquire admitted.
  void release(std::string_view key, time_point now);
  std::size_t in_flight(std::string_view key) const;

  // Starts nothing to `key` before `until` (a 429 or 503 with Retry-After). A later pause
  // extends an earlier one, an earlier one never shortens it; requests already in flight
  // are not touched.
  void pause_until(std::string_view key, time_point until);
  // The end of the host's pause, or nullopt when it is not paused at `now`.
  std::optional<time_point> paused_until(std::string_view key, time_point now) const;

  // What the server said in its RateLimit headers: at most `remaining` more requests
  // within `reset_in`. They are spread evenly, one every reset_in / remaining, the first
  // after one interval, so all `remaining` fit in the window; after it the host is
  // unlimited again unless a newer response renews the limit. The newest word wins, but
  // a request already earned at the old rate is kept, and while the window has not renewed
  // (`remaining` did not grow) its end is the earliest one announced, because servers round
  // it up to whole seconds. `remaining` 0 pauses the host until the reset; a `reset_in` of
  // zero or less says nothing.
  void observe_rate_limit(std::string_view key, std::uint64_t remaining,
                          std::chrono::nanoseconds reset_in, time_point now);

  // How many hosts are tracked, for tests and statistics.
  std::size_t tracked_hosts() const;

 private:
  struct Host {
    std::size_t in_flight = 0;
    time_point paused_until{};  // not paused once this has passed
    // The announced rate, one request per token, a burst of one: that is "spread evenly".
    std::optional<BasicTokenBucket> rate;
    time_point rate_until{};  // the end of the server's window, when `rate` lapses
    // The window as last announced (also with none remaining): its end, and the requests
    // left in it, which tell a renewed window from the same one.
    time_point window_end{};
    std::uint64_t window_remaining = 0;
    time_point next_start{};  // --per-host-rate: no start before this
    std::size_t unsent = 0;   // after await_sends(): admitted, not yet request_sent()
  };
  // Heterogeneous lookup: a std::string_view key needs no std::string to find a host.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  using Hosts = std::unordered_map<std::string, Host, KeyHash, std::equal_to<>>;

  static bool idle(const Host& host, time_point now);
  void sweep_if_due(time_point now);
  Host& find_or_add(std::string_view key);

  const std::size_t per_host_cap_;
  // --per-host-rate's interval between starts to one host, rounded up; zero: none.
  const std::chrono::nanoseconds start_interval_;
  bool await_sends_ = false;  // await_sends() was called with a start interval
  Hosts hosts_;
  std::size_t sweep_at_size_;  // the table size that triggers a sweep
  time_point next_sweep_{};    // the time that triggers one
};

}  // namespace sluice::detail
