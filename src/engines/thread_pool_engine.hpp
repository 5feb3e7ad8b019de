// The thread engine: c workers, each blocking in curl_easy_perform on its own easy handle.
#pragma once

#include <atomic>

#include "engines/engine.hpp"

namespace sluice::detail {

class LimitGate;

// run() is called once. Each worker pulls the next URL from the shared queue the moment
// its previous transfer ends (dynamic admission, never static slices), and keeps its own
// connections alive across URLs. Records go to the sink from every worker at once, so
// the sink must be thread-safe (RecordSink says so).
class ThreadPoolEngine final : public Engine {
 public:
  explicit ThreadPoolEngine(const Options& options);

  void run(InputQueue& input, RecordSink& sink, LiveCounters& live, std::stop_token stop) override;

 private:
  void work(InputQueue& input, RecordSink& sink, LiveCounters& live, RunLimits& limits,
            LimitGate* limit_gate, std::stop_token stop);

  const Options& options_;
};

}  // namespace sluice::detail
