// One libcurl easy handle, reused URL after URL: option set-up and result classification.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>

#include "input/input_item.hpp"
#include "limit/bandwidth_pacer.hpp"
#include "limit/rate_limit_headers.hpp"
#include "limit/token_bucket.hpp"
#include "output/body_file.hpp"
#include "sluice/options.hpp"
#include "sluice/record.hpp"

namespace sluice::detail {

// How a transfer's received bytes are held to the run's --max-bandwidth (no cap when
// `bytes` is null). An event loop cannot block, so it gives `on_pause`: the transfer then
// pauses itself (CURL_WRITEFUNC_PAUSE) and asks to be resumed at the given time. A worker
// thread gives `stop` instead and blocks in the write callback until its bytes are paid.
struct BandwidthGate {
  TokenBucket* bytes = nullptr;
  std::function<void(CURL*, std::chrono::steady_clock::time_point)> on_pause;
  std::stop_token stop;
  std::optional<int> receive_buffer;  // SO_RCVBUF for each new socket, see bandwidth_pacer.hpp
  // The run's gauge of transfers waiting for tokens (LiveCounters::waiting_for_bandwidth);
  // may be null.
  std::atomic<std::uint64_t>* waiting = nullptr;
};

// Not thread-safe: owned by one engine thread. Reusing the handle (curl_easy_reset keeps
// its connection and DNS caches) saves an allocation per URL and, in the thread engine,
// keeps each worker's connections alive.
class CurlTransfer {
 public:
  explicit CurlTransfer(const Options& options, BandwidthGate gate = {});
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;
  ~CurlTransfer();

  // Sets the handle up for `item`. Returns its record instead when it cannot even start:
  // the input item carries an error (a bad URL), or the body file cannot be created.
  std::optional<Record> prepare(InputItem&& item);
  CURL* handle() const noexcept { return easy_; }
  // The host key of the item last prepared (InputItem::host), kept after its record.
  const std::string& host() const noexcept { return host_; }
  // Builds the record of this attempt once libcurl reports `result` for it.
  Record finish(CURLcode result);
  // What the answer's Retry-After header asked for (either form), after finish().
  std::optional<std::chrono::seconds> retry_after() const;
  // The rate limit the last answer's RateLimit or X-RateLimit-* headers announce (see
  // parse_rate_limit_headers), after finish(); `wall_now` reads epoch-second resets.
  std::optional<RateLimitInfo> rate_limit(std::chrono::system_clock::time_point wall_now) const;
  // Turns the failed record of this attempt back into an item for the next attempt.
  InputItem requeue(Record&& failed);
  // The record of a transfer abandoned before it finished.
  Record cancel();
  // The record of a prepared transfer that could not be started.
  Record fail(ErrorKind kind, std::string message);

 private:
  // CURLOPT_PREREQFUNCTION: runs before each request libcurl sends for this transfer.
  static int on_request(void* self, char* remote_ip, char* local_ip, int remote_port,
                        int local_port);
  // Whether the transfer ended on an http or https URL (not a refused redirect).
  bool ended_on_http() const;
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  // Whether the bandwidth cap lets `length` bytes in now; may pause or block.
  std::optional<std::size_t> pace(std::size_t length);
  // Counts this transfer in the gate's waiting gauge, or not; idempotent.
  void set_waiting(bool waiting) noexcept;
  Record base_record();
  // Fills in what libcurl knows of the answer so far (status, times, final URL); returns the
  // status, 0 before any.
  long read_answer(Record& record) const;
  FetchError describe_failure(CURLcode result) const;

  const Options& options_;
  BandwidthGate gate_;
  std::optional<BandwidthPacer> pacer_;  // with a non-blocking gate
  bool waiting_ = false;                 // counted in gate_.waiting
  const std::uint64_t number_;           // names the temporary of a saved body
  CURL* easy_ = nullptr;
  InputItem item_;
  std::string host_;
  std::uint64_t bytes_ = 0;
  std::optional<BodyFile> body_;
  std::string save_error_;  // why on_body refused data, for the record
  bool too_large_ = false;  // on_body refused data beyond Options::max_body
  char error_buffer_[CURL_ERROR_SIZE] = {};
  // The error libcurl went on past before a request (see on_request); empty when none.
  std::string resent_after_;
};

// Maps a libcurl result code to the stable error kind of the records.
ErrorKind classify(CURLcode code) noexcept;

// A record for an input item that was never fetched (bad URL, or cancelled).
Record unfetched_record(InputItem&& item, FetchError error);

// The record of an item that a stopped run never started (or never retried).
Record cancelled_record(InputItem&& item);

}  // namespace sluice::detail
