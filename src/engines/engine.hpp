// The interface both engines implement: start what admission admits, one Record per item.
#pragma once

#include <memory>
#include <stop_token>

#include "admission/admission.hpp"
#include "engines/curl_transfer.hpp"
#include "engines/retry_policy.hpp"
#include "engines/run_resources.hpp"
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

  // Fetches what `admission` admits until it is drained or cancelled, or `stop` is
  // requested, then returns. A cancelled admission starts nothing more: transfers in
  // flight run to their end. A stop aborts them. Every admitted item reaches the sink
  // exactly once (cancelled ones included), or goes back to admission to be retried, and
  // is released.
  virtual void run(Admission& admission, RecordSink& sink, LiveCounters& live,
                   std::stop_token stop) = 0;

  // The event loops it runs its transfers on (FetchReport::event_loops); 0 for threads.
  virtual std::size_t event_loops() const noexcept { return 0; }
};

// `options` and `resources` must outlive the engine.
std::unique_ptr<Engine> make_engine(const Options& options, const RunResources& resources);

// Hands a finished attempt on: back to admission when it failed transiently and `retry`
// allows another attempt, when it answered with a redirect to follow (the transfer is built
// with RedirectFollower::Engine, so that the target waits for its own host's turn), or when
// it was short of descriptors (see CurlTransfer::short_of_descriptors: it waits
// kDescriptorWait, for as many times as it takes, and counts neither as a retry nor as a
// sample); to the sink otherwise. Slows the answering host to the rate its RateLimit headers
// announce, pauses it when a 429 or 503 came with Retry-After, gives the attempt to the
// concurrency limit as a sample (`in_flight_at_start` is Admitted's in_flight), and releases
// it.
void settle(CurlTransfer& transfer, CURLcode result, RetryPolicy& retry, Admission& admission,
            RecordSink& sink, std::size_t in_flight_at_start);

// Hands on the record prepare() gave instead of starting `transfer`: back to admission
// when the transfer was short of descriptors (see settle()), to the sink otherwise; and
// releases the item.
void settle_unstarted(CurlTransfer& transfer, Record&& record, Admission& admission,
                      RecordSink& sink);

// After a stop: refuses further input, then gives every item still queued, parked or
// waiting to be retried a cancelled record, so that no URL read so far is lost.
void cancel_queued(Admission& admission, RecordSink& sink);

}  // namespace sluice::detail
