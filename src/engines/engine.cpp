// Chooses the engine that Options names.
#include "engines/engine.hpp"

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

}  // namespace sluice::detail
