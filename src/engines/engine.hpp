// The interface both engines implement: drain an InputQueue, one Record per item.
#pragma once

#include <memory>
#include <stop_token>

#include "engines/curl_transfer.hpp"
#include "engines/retry_policy.hpp"
#include "engines/run_limits.hpp"
#include "input/input_queue.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// An engine is used for one run. It never prints: everything it learns leaves as a Record
// through the sink or as a gauge in LiveCounters.
class Engine {
 public:
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  virtual ~Engine() = default;

  // Fetches items until the queue is drained or cancelled, or `stop` is requested, then
  // returns. A cancelled queue ends admission: transfers in flight run to their end. A
  // stop aborts them. Every item taken from the queue reaches the sink exactly once
  // (cancelled ones included), or goes back to the queue to be retried.
  virtual void run(InputQueue& input, RecordSink& sink, LiveCounters& live,
                   std::stop_token stop) = 0;
};

std::unique_ptr<Engine> make_engine(const Options& options);

// Hands a finished attempt on: back to the queue when it failed transiently and `retry`
// allows another attempt, to the sink otherwise. Releases the attempt's host, slows the
// host to the rate its answer's RateLimit headers announce, and pauses the host when a 429
// or 503 came with Retry-After.
// With -c auto, the attempt is also a sample for the adaptive limit; `in_flight_at_start`
// is how many requests were in flight when it started.
void settle(CurlTransfer& transfer, CURLcode result, RetryPolicy& retry, InputQueue& input,
            RecordSink& sink, RunLimits& limits, std::size_t in_flight_at_start);

// After a stop: refuses further input, then gives every item still queued or waiting to be
// retried a cancelled record, so that no URL read so far is lost.
void cancel_queued(InputQueue& input, RecordSink& sink);

}  // namespace sluice::detail
