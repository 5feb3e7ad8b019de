// The two textbook answers to "fetch these URLs, at most N at a time", as engines, so that
// `sluice demo` and the benchmarks can measure them beside sluice's own. Both read the whole
// list before the first request, cut it with textbook_chunks (chunks of len / N URLs) and
// fetch every URL on a connection of its own, as a throwaway client per request does. They
// are teaching devices, not part of the library.
#pragma once

#include "engines/engine.hpp"

namespace sluice::detail {

// Textbook answer 1: a thread per chunk, fetching its URLs one after another, and main
// waiting for the threads at a std::barrier. A slow URL holds back every URL after it in
// its chunk while other threads sit idle. The design's barrier has N + 1 parties, which
// more than N chunks (205 URLs, N = 10) overrun into a hang; this engine gives it one party
// per chunk plus main instead, its one change (examples/threads_barrier_fetch.cpp hangs).
// With more than N chunks, more than N requests are in flight: a thread each.
class StaticSlicesEngine final : public Engine {
 public:
  StaticSlicesEngine(const Options& options, const RunResources& resources)
      : options_(options), resources_(resources) {}
  // Throws UsageError (concurrency) when there are fewer URLs than Options::concurrency.
  void run(Admission& admission, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;

 private:
  const Options& options_;
  const RunResources& resources_;
};

// Textbook answer 2: one event loop, a task per chunk and a semaphore of N permits. Each
// task holds one permit for its whole chunk and starts its next URL only when the previous
// one has finished, so at most N requests are in flight; with at most N chunks the
// semaphore holds no task back, and an (N + 1)-th chunk waits for a whole chunk to end.
class SlicePermitsEngine final : public Engine {
 public:
  SlicePermitsEngine(const Options& options, const RunResources& resources)
      : options_(options), resources_(resources) {}
  // Throws UsageError (concurrency) when there are fewer URLs than Options::concurrency.
  void run(Admission& admission, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;

 private:
  const Options& options_;
  const RunResources& resources_;
};

}  // namespace sluice::detail
