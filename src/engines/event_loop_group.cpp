// Several event loops on threads of their own, sharing one admission.
#include "engines/event_loop_group.hpp"

#include <algorithm>
#include <exception>
#include <thread>

namespace sluice::detail {

std::size_t event_loop_count(const Options& options) {
  return std::clamp<std::size_t>(options.event_loops, 1,
                                 std::max<std::size_t>(options.concurrency, 1));
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
