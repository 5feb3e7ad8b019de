// The thread engine: c workers, each blocking in curl_easy_perform on its own easy handle.
#pragma once

#include <atomic>

#include "engines/engine.hpp"
#include "engines/receiver_slots.hpp"
#include "engines/run_limits.hpp"

namespace sluice::detail {

// run() is called once. Each worker asks admission for the next URL the moment its
// previous transfer ends (dynamic admission, never static slices), blocking until one may
// start, and keeps its own connections alive across URLs. Records go to the sink from
// every worker at once, so the sink must be thread-safe (RecordSink says so).
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
};

}  // namespace sluice::detail
