// The default engine: one thread drives libcurl's multi-socket API over epoll.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engines/curl_transfer.hpp"
#include "engines/engine.hpp"

namespace sluice::detail {

// Not thread-safe: run() is called once, from one thread, which does all the work. The
// cap on requests in flight is enforced by admission: a new transfer is added only when
// one ends, so a slow URL holds its slot and nothing else.
//
// Transfers are spread over several multi handles ("shards") of at most kShardSize
// transfers each. libcurl 7.88 looks for a reusable connection by walking every
// connection to the host, so with one multi handle the cost of a request grows with -c
// (measured: 37 µs of CPU per request at -c 1000, 119 µs at -c 10000). Shards bound that
// walk; each shard keeps its own connections alive.
class EventLoopEngine final : public Engine {
 public:
  explicit EventLoopEngine(const Options& options);
  ~EventLoopEngine() override;

  void run(InputQueue& input, RecordSink& sink, LiveCounters& live, std::stop_token stop) override;

 private:
  using Clock = std::chrono::steady_clock;

  struct Shard {
    EventLoopEngine* engine = nullptr;
    std::uint32_t id = 0;
    CURLM* multi = nullptr;
    std::size_t active = 0;
    std::size_t capacity = 0;
    std::optional<Clock::time_point> deadline;  // when libcurl wants its timeout action
  };
  // A reusable transfer and the shard it is running in (null while idle).
  struct Slot {
    std::unique_ptr<CurlTransfer> transfer;
    Shard* shard = nullptr;
    std::uint64_t attempt = 0;  // counts the transfers started in this slot
    std::size_t in_flight_at_start = 0;
  };
  // A transfer that paused itself for the bandwidth cap, and when to resume it.
  struct Paused {
    Clock::time_point until;
    Slot* slot;
    std::uint64_t attempt;  // a pause outlived by its transfer is ignored
    // Heap order: std::push_heap keeps the greatest first, so "greater" means "later".
    bool operator<(const Paused& other) const { return until > other.until; }
  };

  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* shard, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* shard);

  // Moves items from the queue into free slots. Returns false when the input is over (or
  // the queue was cancelled: then the items taken but not started get their records).
  bool admit(InputQueue& input, RecordSink& sink);
  void start(InputItem&& item, InputQueue& input, RecordSink& sink);
  Shard& least_busy_shard();
  void run_timeouts();
  void on_pause(CURL* easy, Clock::time_point until);
  void resume_paused();
  void collect_finished(InputQueue& input, RecordSink& sink);
  void cancel_pending(RecordSink& sink);
  void cancel_all(RecordSink& sink);
  int wait_ms(InputQueue& input) const;
  // The cap on transfers in flight now: -c, or -c auto's current limit.
  std::size_t cap() const;

  const Options& options_;
  RetryPolicy retry_;
  RunLimits limits_;
  std::vector<Paused> paused_;  // a heap, the earliest first
  // Under --rate, the start reserved for the next pending item; set while it waits.
  std::optional<Clock::time_point> rate_ready_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: new input or a stop request
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::unique_ptr<Slot>> slots_;  // at most one per unit of concurrency, reused
  std::vector<Slot*> idle_;
  std::vector<InputItem> pending_;  // taken from the queue, not yet started
  std::size_t active_ = 0;
  LiveCounters* live_ = nullptr;  // the run's gauges, set by run()
};

}  // namespace sluice::detail
