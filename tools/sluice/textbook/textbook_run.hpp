// A fetch run on one of the textbook engines: what `sluice --engine textbook-*`, `sluice demo`
// and their tests use in place of Options::engine, which names the library's engines only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {
class FetchRun;
}  // namespace sluice::detail

namespace sluice::textbook {

enum class Design {
  StaticSlices,  // chunks of len / c URLs, a thread each, joined by a barrier
  SlicePermits,  // an event loop whose chunk tasks each hold one of c permits for a chunk
};

// sluice::Fetcher on `design` instead of the engine Options::engine names, built on the
// library's internal run (src/fetch_run.hpp). Not thread-safe; run() is called at most once.
class Fetcher {
 public:
  // Throws UsageError, naming the option, when `options` ask for what the textbook designs
  // lack (max_bandwidth, rate, per_host: they are kept as the textbook has them), or for
  // more open files than the process may have; then checks and opens everything as
  // sluice::Fetcher does. run() throws UsageError (concurrency) when the list has fewer
  // URLs than Options::concurrency, which the designs' chunking rejects.
  Fetcher(Design design, Options options, std::vector<std::string> sources);
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;
  ~Fetcher();

  // As sluice::Fetcher's.
  FetchReport run(RecordSink& sink, RunControl control = {}, LiveCounters* live = nullptr);
  std::optional<ResumeReport> resume_report() const;

 private:
  std::unique_ptr<detail::FetchRun> run_;
};

// Fetcher(design, options, sources).run(sink).
FetchReport fetch(Design design, const Options& options, std::vector<std::string> sources,
                  RecordSink& sink);

}  // namespace sluice::textbook
