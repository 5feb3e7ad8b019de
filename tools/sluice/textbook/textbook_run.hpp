// A fetch run on one of the textbook engines: what `sluice --engine textbook-*`, `sluice demo`
// and their tests use in place of Options::engine, which names the library's engines only.
#pragma once

#include <string>
#include <vector>

#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"

namespace sluice::textbook {

enum class Design {
  StaticSlices,  // c static slices, a thread each, joined by a barrier
  SlicePermits,  // an event loop whose c slice tasks each hold one of c permits
};

// Throws UsageError, naming the option, when `options` ask for what the textbook designs lack
// (max_bandwidth, rate, per_host: they are kept as the textbook has them), or for more open
// files than the process may have. Call it before the Fetcher is made, which may rewrite the
// resume file.
void check_options(Design design, const Options& options);

// Makes `fetcher` run on `design` instead of the engine its options name. Before run().
void use_engine(Fetcher& fetcher, Design design);

// fetch(options, sources, sink) on `design`.
FetchReport fetch(Design design, const Options& options, std::vector<std::string> sources,
                  RecordSink& sink);

}  // namespace sluice::textbook
