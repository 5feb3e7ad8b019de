// fetch() and Fetcher: the library's public face of one fetch run (src/fetch_run.*).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fetch_run.hpp"
#include "sluice/fetcher.hpp"

namespace sluice {

struct Fetcher::State {
  detail::FetchRun run;
};

Fetcher::Fetcher(Options options, std::vector<std::string> sources)
    : state_(std::make_unique<State>(detail::FetchRun(std::move(options), std::move(sources)))) {}

Fetcher::~Fetcher() = default;

FetchReport Fetcher::run(RecordSink& sink, RunControl control, LiveCounters* live) {
  return state_->run.run(sink, control, live);
}

std::optional<ResumeReport> Fetcher::resume_report() const { return state_->run.resume_report(); }

FetchReport fetch(const Options& options, std::vector<std::string> sources, RecordSink& sink,
                  RunControl control, LiveCounters* live) {
  Fetcher fetcher(options, std::move(sources));
  return fetcher.run(sink, control, live);
}

}  // namespace sluice
