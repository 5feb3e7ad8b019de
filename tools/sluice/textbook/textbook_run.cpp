// A fetch run on one of the textbook engines, through the library's outside-engine hook.
#include "textbook/textbook_run.hpp"

#include <memory>
#include <utility>

#include "outside_engine.hpp"
#include "run_checks.hpp"
#include "sluice/errors.hpp"
#include "textbook/textbook_engines.hpp"

namespace sluice::textbook {

void check_options(Design design, const Options& options) {
  const char* unsupported = options.max_bandwidth > 0 ? "max_bandwidth"
                            : options.rate > 0        ? "rate"
                            : options.per_host > 0    ? "per_host"
                                                      : nullptr;
  if (unsupported != nullptr) {
    throw UsageError(unsupported,
                     " applies to the loop and threads engines only; the textbook engines are "
                     "kept as the textbook has them");
  }
  // Each slice holds an easy handle, as a worker of the thread engine does: three
  // descriptors a slot.
  Options budget = options;
  budget.engine = design == Design::StaticSlices ? EngineKind::Threads : EngineKind::EventLoop;
  detail::check_file_budget(budget);
}

void use_engine(Fetcher& fetcher, Design design) {
  detail::use_outside_engine(fetcher,
                             [design](const Options& options) -> std::unique_ptr<detail::Engine> {
                               if (design == Design::StaticSlices) {
                                 return std::make_unique<detail::StaticSlicesEngine>(options);
                               }
                               return std::make_unique<detail::SlicePermitsEngine>(options);
                             });
}

FetchReport fetch(Design design, const Options& options, std::vector<std::string> sources,
                  RecordSink& sink) {
  check_options(design, options);
  Fetcher fetcher(options, std::move(sources));
  use_engine(fetcher, design);
  return fetcher.run(sink);
}

}  // namespace sluice::textbook
