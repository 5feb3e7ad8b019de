// The thread engine: c workers, each blocking in curl_easy_perform on its own easy handle.
#pragma once

#include <atomic>

#include "engines/engine.hpp"
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
  void work(Admission& admission, RecordSink& sink, LiveCounters& live, RunLimits& limits,
            std::stop_token stop);

  const Options& options_;
  const RunResources& resources_;
};

}  // namespace sluice::detail
