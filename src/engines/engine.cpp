// Chooses the engine that Options names.
#include "engines/engine.hpp"

#include "engines/event_loop_engine.hpp"

namespace sluice::detail {

std::unique_ptr<Engine> make_engine(const Options& options) {
  switch (options.engine) {
    case EngineKind::EventLoop:
      return std::make_unique<EventLoopEngine>(options);
  }
  return std::make_unique<EventLoopEngine>(options);
}

}  // namespace sluice::detail
