// Several event loops on threads of their own, sharing one admission: the event-loop engine
// past what one thread can turn around (Options::event_loops).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "engines/curl_share.hpp"
#include "engines/engine.hpp"
#include "engines/event_loop_engine.hpp"

namespace sluice::detail {

// How many loops a run gets: Options::event_loops, or auto_event_loops for its cores when it
// is 0; never more than the run has slots.
std::size_t event_loop_count(const Options& options);

// Options::event_loops = 0: a loop per core (at most kMaxAutoEventLoops), each with at least
// kAutoLoopSlots slots; one loop on the thread engine, under a bandwidth cap (which one loop
// paces) and under a per-host cap. Each loop keeps its own connections, so a host whose
// requests alternate between two loops keeps a connection open in each: with --per-host N it
// would see up to N connections per loop, where the cap is meant to be what it sees.
std::size_t auto_event_loops(const Options& options, std::size_t cores);
// A share of fewer slots than this seldom keeps a loop busy, and splits a host's connections
// (and its HTTP/2 streams) over the loops for nothing.
inline constexpr std::size_t kAutoLoopSlots = 16;
// Two loops are measured (docs/benchmarks.md, on 2 cores); every loop takes its turn at the
// one admission's lock, untried past four, so more wait for --event-loops N.
inline constexpr std::size_t kMaxAutoEventLoops = 4;

// The slots of each of `loops` loops: `concurrency` spread evenly (even_shares).
std::vector<std::size_t> loop_capacities(std::size_t concurrency, std::size_t loops);

// run() is called once, from one thread, which runs the first loop itself and one thread per
// other loop. Each loop starts what admission admits up to its own share of the slots
// (admission still holds -c, -c auto, the per-host caps and every rate for the whole run);
// when something may start every loop is woken, and one with room takes it. TLS sessions and
// DNS answers are common to the loops (CurlShare); connections are each loop's own, so over
// HTTP/2 a host gets a connection per loop.
//
// Not under the bandwidth cap (check_options refuses it): the window budget and the paused
// transfers are one loop's, and a link that is the bottleneck needs no second thread.
class EventLoopGroup final : public Engine {
 public:
  EventLoopGroup(const Options& options, const RunResources& resources);

  // A loop that fails stops the others (their transfers end cancelled), and its exception
  // leaves run() once every loop has returned.
  void run(Admission& admission, RecordSink& sink, LiveCounters& live,
           std::stop_token stop) override;
  std::size_t event_loops() const noexcept override { return loops_.size(); }

 private:
  // Declared before the loops: it must outlive their easy handles.
  CurlShare share_;
  std::vector<std::unique_ptr<EventLoopEngine>> loops_;
};

}  // namespace sluice::detail
