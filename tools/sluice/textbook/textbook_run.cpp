// A fetch run on one of the textbook engines, on the library's internal FetchRun.
#include "textbook/textbook_run.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fetch_run.hpp"
#include "file_budget.hpp"
#include "run_checks.hpp"
#include "sluice/errors.hpp"
#include "textbook/textbook_engines.hpp"

namespace sluice::textbook {
namespace {

// Before the run is made, which may rewrite the resume file.
Options checked(Design design, Options options, const std::vector<std::string>& sources) {
  const char* unsupported = options.max_bandwidth > 0 || options.adaptive_bandwidth
                                ? "max_bandwidth"
                            : options.rate > 0     ? "rate"
                            : options.per_host > 0 ? "per_host"
                                                   : nullptr;
  if (unsupported != nullptr) {
    throw UsageError(unsupported,
                     " applies to the loop and threads engines only; the textbook engines are "
                     "kept as the textbook has them");
  }
  // Each chunk in progress holds an easy handle, as a worker of the thread engine does, and
  // is counted as one; the permits' loop shares a multi handle, as the event loop does.
  // (Static slices run up to 2c - 1 chunks at once when c does not divide the list; the
  // check counts c.)
  Options budget = options;
  budget.engine = design == Design::StaticSlices ? EngineKind::Threads : EngineKind::EventLoop;
  detail::check_file_budget(budget, detail::fetch_run_files(options, sources));
  return options;
}

detail::EngineMaker engine_maker(Design design) {
  return [design](const Options& options,
                  const detail::RunResources& resources) -> std::unique_ptr<detail::Engine> {
    if (design == Design::StaticSlices) {
      return std::make_unique<detail::StaticSlicesEngine>(options, resources);
    }
    return std::make_unique<detail::SlicePermitsEngine>(options, resources);
  };
}

}  // namespace

Fetcher::Fetcher(Design design, Options options, std::vector<std::string> sources)
    : run_(std::make_unique<detail::FetchRun>(checked(design, std::move(options), sources),
                                              std::move(sources), engine_maker(design))) {}

Fetcher::~Fetcher() = default;

FetchReport Fetcher::run(RecordSink& sink, RunControl control, LiveCounters* live) {
  return run_->run(sink, control, live);
}

std::optional<ResumeReport> Fetcher::resume_report() const { return run_->resume_report(); }

FetchReport fetch(Design design, const Options& options, std::vector<std::string> sources,
                  RecordSink& sink) {
  Fetcher fetcher(design, options, std::move(sources));
  return fetcher.run(sink);
}

}  // namespace sluice::textbook
