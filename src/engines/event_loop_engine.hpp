// The default engine: one thread drives libcurl's multi-socket API over epoll.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "engines/curl_transfer.hpp"
#include "engines/engine.hpp"

namespace sluice {

// Not thread-safe: run() is called once, from one thread, which does all the work. The
// cap on requests in flight is enforced by admission: a new transfer is added to the
// multi handle only when one ends, so a slow URL holds its slot and nothing else.
class EventLoopEngine final : public Engine {
 public:
  explicit EventLoopEngine(const Options& options);
  ~EventLoopEngine() override;

  void run(InputQueue& input, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;

 private:
  using Clock = std::chrono::steady_clock;

  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);

  // Moves items from the queue into free slots. Returns false when the input is over.
  bool admit(InputQueue& input, RecordSink& sink);
  void start(InputItem&& item, RecordSink& sink);
  void collect_finished(RecordSink& sink);
  void cancel_all(InputQueue& input, RecordSink& sink);
  int wait_ms() const;

  const Options& options_;
  CURLM* multi_ = nullptr;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: new input or a stop request
  std::optional<Clock::time_point> deadline_;  // when libcurl wants its timeout action
  std::vector<std::unique_ptr<CurlTransfer>> transfers_;  // at most one per slot, reused
  std::vector<CurlTransfer*> idle_;                       // those not in the multi handle
  std::vector<InputItem> pending_;  // taken from the queue, not yet started
  std::size_t active_ = 0;
};

}  // namespace sluice
