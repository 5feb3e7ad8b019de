// One engine run: admission sized for the options, the engine they name, and the stop,
// abort and grace machinery that fetch() and watch mode share.
#pragma once

#include <cstddef>
#include <memory>
#include <stop_token>

#include "admission/admission.hpp"
#include "engines/engine.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

// The caller feeds admission() from its own thread (push, then close; or never close,
// as watch mode) while run() runs. Thread-safety: admission() is thread-safe; run() is
// called once. Lifetime: `options`, `resources` and `live` must outlive it.
class RunCore {
 public:
  // `fresh_capacity`: see AdmissionSettings; 0 for a fetch run. Throws UsageError as
  // make_engine does.
  RunCore(const Options& options, const RunResources& resources, LiveCounters& live,
          std::size_t fresh_capacity = 0);
  // With `engine` instead of the one the options name: the seam for tests, and for the
  // engines the library does not offer (FetchRun's EngineMaker).
  RunCore(const Options& options, LiveCounters& live, std::size_t fresh_capacity,
          std::unique_ptr<Engine> engine);

  Admission& admission() noexcept { return admission_; }
  std::size_t event_loops() const noexcept { return engine_->event_loops(); }

  // Runs the engine until admission is drained. `stop` ends admission at once and aborts
  // the transfers in flight after the options' grace period; `abort` does both at once.
  // However the run ends, by an exception too, every item admission still holds gets a
  // cancelled record in `sink` before run() returns or rethrows: no URL read is lost.
  void run(RecordSink& sink, std::stop_token stop, std::stop_token abort);

 private:
  const Options& options_;
  LiveCounters& live_;
  Admission admission_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace sluice::detail
