// A Fetcher run on an engine that the library does not offer: the CLI keeps the textbook
// designs (tools/sluice/textbook/) outside the library and runs them through this.
#pragma once

#include <functional>
#include <memory>

#include "engines/engine.hpp"
#include "sluice/fetcher.hpp"

namespace sluice::detail {

// Makes the engine of one run from the run's options.
using EngineMaker = std::function<std::unique_ptr<Engine>(const Options&)>;

// Makes `fetcher` run on the engine `make` returns instead of the one Options::engine names.
// No hosts are tracked for it: its items carry no host, so neither Options::per_host nor a
// server's Retry-After or RateLimit headers hold any URL back. Call before run().
void use_outside_engine(Fetcher& fetcher, EngineMaker make);

}  // namespace sluice::detail
