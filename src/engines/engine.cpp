// Chooses the engine that Options names.
#include "engines/engine.hpp"

#include "engines/curl_transfer.hpp"
#include "engines/event_loop_engine.hpp"
#include "engines/textbook_engines.hpp"
#include "engines/thread_pool_engine.hpp"

namespace sluice::detail {

std::unique_ptr<Engine> make_engine(const Options& options) {
  switch (options.engine) {
    case EngineKind::EventLoop:
      return std::make_unique<EventLoopEngine>(options);
    case EngineKind::Threads:
      return std::make_unique<ThreadPoolEngine>(options);
    case EngineKind::StaticSlices:
      return std::make_unique<StaticSlicesEngine>(options);
    case EngineKind::SlicePermits:
      return std::make_unique<SlicePermitsEngine>(options);
  }
  return std::make_unique<EventLoopEngine>(options);
}

void cancel_queued(InputQueue& input, RecordSink& sink) {
  input.cancel();  // from here on the reader adds nothing, so the drain below is complete
  while (auto item = input.pop())
    sink.on_record(unfetched_record(std::move(*item), stopped_error()));
}

}  // namespace sluice::detail
