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

// How many loops a run gets: Options::event_loops, but no more than it has slots.
std::size_t event_loop_count(const Options& options);

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

 private:
  // Declared before the loops: it must outlive their easy handles.
  CurlShare share_;
  std::vector<std::unique_ptr<EventLoopEngine>> loops_;
};

}  // namespace sluice::detail
