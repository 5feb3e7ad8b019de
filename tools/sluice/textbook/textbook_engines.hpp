// The two textbook answers to "fetch N URLs, at most c at a time", as engines, so that
// `sluice demo` and the benchmarks can measure them beside sluice's own. They read the
// whole list before the first request and are teaching devices, not part of the library.
#pragma once

#include "engines/engine.hpp"

namespace sluice::detail {

// Textbook answer 1: the list cut into c static slices, one thread per slice fetching
// its URLs one after another, main and workers meeting at a std::barrier(c + 1). A slow
// URL holds back every URL after it in its slice, while other threads sit idle.
class StaticSlicesEngine final : public Engine {
 public:
  StaticSlicesEngine(const Options& options, const RunResources& resources)
      : options_(options), resources_(resources) {}
  void run(Admission& admission, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;

 private:
  const Options& options_;
  const RunResources& resources_;
};

// Textbook answer 2: one event loop, the list cut into c slice tasks, and a semaphore of
// c permits of which each task holds one for its whole slice while it starts all of its
// requests. With c tasks and c permits nobody ever waits: every URL is in flight at once,
// and the cap the semaphore was meant to enforce does not exist.
class SlicePermitsEngine final : public Engine {
 public:
  SlicePermitsEngine(const Options& options, const RunResources& resources)
      : options_(options), resources_(resources) {}
  void run(Admission& admission, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;

 private:
  const Options& options_;
  const RunResources& resources_;
};

}  // namespace sluice::detail
