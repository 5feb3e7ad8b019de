// Several event loops on threads of their own, sharing one admission.
#include "engines/event_loop_group.hpp"

#include <sched.h>

#include <algorithm>
#include <exception>
#include <thread>

namespace sluice::detail {

namespace {

// The cores this process may run on: its affinity mask (taskset, a container's cpuset), which
// hardware_concurrency() ignores.
std::size_t usable_cores() {
  cpu_set_t cores;
  if (sched_getaffinity(0, sizeof(cores), &cores) == 0) {
    return static_cast<std::size_t>(std::max(1, CPU_COUNT(&cores)));
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace

std::size_t auto_event_loops(const Options& options, std::size_t cores) {
  if (options.engine != EngineKind::EventLoop || options.max_bandwidth > 0 ||
      options.adaptive_bandwidth || options.per_host > 0) {
    return 1;
  }
  return std::max<std::size_t>(
      1, std::min({cores, kMaxAutoEventLoops, options.concurrency / kAutoLoopSlots}));
}

std::size_t event_loop_count(const Options& options) {
  const std::size_t asked =
      options.event_loops == 0 ? auto_event_loops(options, usable_cores()) : options.event_loops;
  return std::clamp<std::size_t>(asked, 1, std::max<std::size_t>(options.concurrency, 1));
}

std::vector<std::size_t> loop_capacities(std::size_t concurrency, std::size_t loops) {
  return even_shares(concurrency, loops);
}

EventLoopGroup::EventLoopGroup(const Options& options, const RunResources& resources) {
  for (const std::size_t capacity :
       loop_capacities(options.concurrency, event_loop_count(options))) {
    loops_.push_back(std::make_unique<EventLoopEngine>(
        options, resources, EventLoopEngine::GroupPart{.capacity = capacity, .share = &share_}));
  }
}

void EventLoopGroup::run(Admission& admission, RecordSink& sink, LiveCounters& live,
                         std::stop_token stop) {
  // Whichever loop has room takes the next start; the others ask and go back to waiting.
  admission.set_wakeup([this] {
    for (const auto& loop : loops_) loop->wake();
  });
  std::stop_source either;
  const std::stop_callback from_run(stop, [&] { either.request_stop(); });
  std::vector<std::exception_ptr> failures(loops_.size());
  const auto run_loop = [&](std::size_t i) {
    try {
      loops_[i]->run(admission, sink, live, either.get_token());
    } catch (...) {
      failures[i] = std::current_exception();
      either.request_stop();
    }
  };
  {
    std::vector<std::jthread> threads;
    try {
      for (std::size_t i = 1; i < loops_.size(); ++i) threads.emplace_back(run_loop, i);
    } catch (...) {
      // The loops already running stop and end their transfers as cancelled; the URLs still
      // queued get theirs from the run core.
      either.request_stop();
      failures.front() = std::current_exception();
    }
    if (!failures.front()) run_loop(0);
  }
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

}  // namespace sluice::detail
