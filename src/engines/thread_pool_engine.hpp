// The thread engine: c workers, each blocking in curl_easy_perform on its own easy handle.
#pragma once

#include <atomic>

#include "engines/curl_share.hpp"
#include "engines/engine.hpp"
#include "engines/receiver_slots.hpp"
#include "engines/run_limits.hpp"

namespace sluice::detail {

// run() is called once. Each worker asks admission for the next URL the moment its
// previous transfer ends (dynamic admission, never static slices), blocking until one may
// start, and keeps its own connections alive across URLs. Records go to the sink from
// every worker at once, so the sink must be thread-safe (RecordSink says so).
//
// Each worker's easy handle has its own connections: libcurl shares no connection between
// threads, so over HTTP/2 a worker's connection carries one stream at a time and -c 100
// opens up to 100 connections to a host (the event-loop engine multiplexes them instead).
// TLS sessions and DNS answers are common to all workers (CurlShare): a worker's new
// connection resumes a session another worker got.
class ThreadPoolEngine final : public Engine {
 public:
  ThreadPoolEngine(const Options& options, const RunResources& resources);

  void run(Admission& admission, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;

 private:
  // One worker's loop; under the bandwidth cap it takes a slot from `receivers` (else null)
  // before each URL.
  void work(Admission& admission, RecordSink& sink, LiveCounters& live, RunLimits& limits,
            ReceiverSlots* receivers, std::stop_token stop);

  const Options& options_;
  const RunResources& resources_;
  CurlShare share_;  // outlives the workers' easy handles, which end with run()
};

}  // namespace sluice::detail
