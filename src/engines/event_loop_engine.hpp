// The default engine: one thread drives libcurl's multi-socket API over epoll.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "engines/connect_report.hpp"
#include "engines/curl_share.hpp"
#include "engines/curl_transfer.hpp"
#include "engines/engine.hpp"
#include "engines/run_limits.hpp"

namespace sluice::detail {

// `total` spread over `parts` as evenly as whole numbers go: the first total % parts get one
// more. Slots over loops, and a loop's slots over its shards.
std::vector<std::size_t> even_shares(std::size_t total, std::size_t parts);

// Not thread-safe: run() is called once, from one thread, which does all the work. It
// starts what Admission admits (which keeps the cap on requests in flight, so a new
// transfer is added only when one ends and a slow URL holds its slot and nothing else),
// and waits for sockets, libcurl's timers and the time admission names. Under the
// bandwidth cap it also keeps to the window budget's receivers and ramp (window_budget.hpp).
//
// Transfers are spread over several multi handles ("shards") of at most kShardSize
// transfers each. libcurl 7.88 looks for a reusable connection by walking every
// connection to the host, so with one multi handle the cost of a request grows with -c
// (measured: 37 µs of CPU per request at -c 1000, 119 µs at -c 10000). Shards bound that
// walk; each shard keeps its own connections alive. TLS sessions and DNS answers are
// common to all shards (CurlShare), so a shard's new connection resumes a session another
// shard got.
//
// Over HTTP/2 a transfer is a stream: -c and the per-host cap count streams, and a shard
// multiplexes up to 100 of them (libcurl's limit per connection) over one connection to a
// host. A transfer that may speak HTTP/2 waits for a connection being set up to its host to
// tell whether it multiplexes (CURLOPT_PIPEWAIT, as curl --parallel does) instead of
// opening a connection per transfer at the start. Past 100 streams libcurl 7.88 opens a
// connection for each further transfer rather than wait for a second one to multiplex on;
// the shard's connection cap still holds. Raising the per-connection limit does not help:
// streams past the server's own limit (nginx: 128) are refused and retried on new ones.
//
// One loop is one thread, so one core: for more answers a second than that thread turns
// around, Options::event_loops runs several, each with its own share of the slots, on threads
// of their own (EventLoopGroup).
class EventLoopEngine final : public Engine {
 public:
  // Transfers per multi handle; up to here the per-request cost stays flat.
  static constexpr std::size_t kShardSize = 256;
  // The multi handles of a loop with `slots` slots.
  static std::size_t shard_count(std::size_t slots) {
    return (slots + kShardSize - 1) / kShardSize;
  }

  // One loop of an EventLoopGroup: its share of the run's slots, and the caches common to the
  // group's loops (not null; they must outlive this loop).
  struct GroupPart {
    std::size_t capacity = 0;
    const CurlShare* share = nullptr;
  };

  // The whole run in one loop: it registers its own wake-up with admission.
  EventLoopEngine(const Options& options, const RunResources& resources);
  // One loop of a group: it starts at most `part.capacity` transfers at once, and leaves the
  // wake-up to the group, which calls wake().
  EventLoopEngine(const Options& options, const RunResources& resources, GroupPart part);
  ~EventLoopEngine() override;

  void run(Admission& admission, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;
  std::size_t event_loops() const noexcept override { return 1; }
  // Makes run() ask admission again; thread-safe.
  void wake() const noexcept;

 private:
  EventLoopEngine(const Options& options, const RunResources& resources,
                  std::optional<GroupPart> part);

  struct Shard {
    EventLoopEngine* engine = nullptr;
    std::uint32_t id = 0;
    CURLM* multi = nullptr;
    std::size_t active = 0;
    std::size_t capacity = 0;
    std::optional<std::chrono::steady_clock::time_point>
        deadline;  // when libcurl wants its timeout action
  };
  // A reusable transfer and the shard it is running in (null while idle).
  struct Slot {
    explicit Slot(Admission& admission) : connect(admission) {}
    std::unique_ptr<CurlTransfer> transfer;
    ConnectReport connect;  // its transfer's connect, under Options::connect_window
    Shard* shard = nullptr;
    std::uint64_t attempt = 0;  // counts the transfers started in this slot
    std::size_t in_flight_at_start = 0;
  };
  // A transfer that paused itself for the bandwidth cap, and when to resume it.
  struct Paused {
    std::chrono::steady_clock::time_point until;
    Slot* slot;
    std::uint64_t attempt;  // a pause outlived by its transfer is ignored
    // Heap order: std::push_heap keeps the greatest first, so "greater" means "later".
    bool operator<(const Paused& other) const { return until > other.until; }
  };

  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* shard, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* shard);
  // The transfers' hooks for the connect window; `slot` is the transfer's Slot.
  static curl_socket_t on_open_socket(void* slot, curlsocktype purpose, curl_sockaddr* address);
  static void on_request_ready(void* slot);

  // Starts what admission admits now. Returns false when it is drained or cancelled.
  bool admit(Admission& admission, RecordSink& sink);
  void start(Admitted&& admitted, Admission& admission, RecordSink& sink);
  Shard& least_busy_shard();
  void run_timeouts();
  void on_pause(CURL* easy, std::chrono::steady_clock::time_point until);
  void resume_paused();
  void collect_finished(Admission& admission, RecordSink& sink);
  void cancel_all(Admission& admission, RecordSink& sink);
  void publish_in_flight(LiveCounters& live);
  int wait_ms() const;

  const Options& options_;
  const RunResources& resources_;
  RetryPolicy retry_;
  RunLimits limits_;
  std::vector<Paused> paused_;  // a heap, the earliest first
  // Under the bandwidth cap: transfers answered while every receiver was taken, first come
  // first; resume_paused() lets them in as receivers end (their `until` is unused).
  std::deque<Paused> waiting_receivers_;
  // When admission said the next start may come (a retry, a host's pause, --rate).
  std::optional<std::chrono::steady_clock::time_point> admission_due_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: new input or a stop request
  // Empty when the loop is the whole run; a group loop stops admitting at its capacity.
  std::optional<GroupPart> part_;
  // Declared before the shards and slots: the shares must outlive their easy handles.
  std::optional<CurlShare> own_share_;  // when the loop is the whole run
  const CurlShare* share_ = nullptr;    // &*own_share_ or the group's
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<Slot>> slots_;  // at most one per unit of concurrency, reused
  std::vector<Slot*> idle_;
  std::size_t active_ = 0;
  std::size_t published_in_flight_ = 0;  // this loop's part of LiveCounters::in_flight
  // Under the bandwidth cap: the transfers between their first body byte and their end.
  std::size_t receiving_ = 0;
  LiveCounters* live_ = nullptr;  // the run's gauges, set by run()
};

}  // namespace sluice::detail
