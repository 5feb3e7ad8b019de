// sluice::Run: the run core of a fetch run (src/metered_run.*) on a thread of its own, fed by
// the caller's pushes instead of a reader thread.
#include "sluice/run.hpp"

#include <exception>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "engines/engine.hpp"
#include "input/url_check.hpp"
#include "limit/host_key.hpp"
#include "metered_run.hpp"
#include "run_checks.hpp"
#include "sluice/errors.hpp"

namespace sluice {
namespace {

Options checked_for_run(Options options) {
  if (options.resume_from) {
    throw UsageError("resume_from",
                     ": is for a Fetcher reading sources; a Run takes requests as they come");
  }
  return detail::checked_run_options(std::move(options), detail::RunFiles{});
}

// The item a pushed request becomes; the URL is checked and shown as a source's would be.
detail::InputItem pushed_item(Request&& request, std::uint64_t index) {
  detail::InputItem item;
  item.index = index;
  item.source = "arg:" + std::to_string(index + 1);
  // Credentials in a URL are for fetching only: the record and a saved body's name see it
  // without them.
  item.url = detail::redact_userinfo(request.url);
  auto checked = detail::check_url(request.url);
  if (checked) {
    item.fetch_url = std::move(*checked);
    // Tracked always, as in a fetch run: a server's Retry-After slows its own host.
    item.host = detail::host_key(item.fetch_url).value_or("");
  } else {
    item.error = std::move(checked.error());
  }
  request.url.clear();  // item.url and fetch_url hold it
  item.request = std::move(request);
  return item;
}

}  // namespace

struct Run::State {
  State(Options given, RecordSink* given_sink, RecordCallback callback)
      : options(checked_for_run(std::move(given))),
        stats_log(detail::open_stats_log(options)),
        resources(detail::open_run_resources(options)),
        own_sink(given_sink == nullptr ? std::optional<CallbackSink>(std::move(callback))
                                       : std::nullopt),
        sink(given_sink != nullptr ? *given_sink : *own_sink),
        metered(options, live, detail::make_engine(options, resources),
                stats_log ? &*stats_log : nullptr) {
    engine = std::jthread([this] {
      try {
        report = metered.run(this->sink, {stop.get_token(), abort.get_token()});
      } catch (...) {
        failure = std::current_exception();
        // A producer blocked on a full admission must not wait for an engine that is gone.
        metered.admission().cancel();
      }
    });
  }

  Options options;
  std::optional<detail::StatsLog> stats_log;  // written by the meter's thread only
  detail::RunResources resources;             // read-only, shared by the engine's transfers
  LiveCounters live;
  std::optional<CallbackSink> own_sink;  // with a callback
  RecordSink& sink;
  detail::MeteredRun metered;
  std::stop_source stop;
  std::stop_source abort;

  std::mutex producer;         // held by push() and close(): admission has one producer
  std::uint64_t pushed = 0;    // guarded by producer
  bool closed = false;         // guarded by producer
  FetchReport report;          // written by the engine thread, read after it was joined
  std::exception_ptr failure;  // the same
  std::jthread engine;         // last: started once everything it uses exists
};

Run::Run(Options options, RecordCallback on_record) {
  detail::global_curl_init();
  state_ = std::make_unique<State>(std::move(options), nullptr, std::move(on_record));
}

Run::Run(Options options, RecordSink& sink) {
  detail::global_curl_init();
  state_ = std::make_unique<State>(std::move(options), &sink, RecordCallback());
}

Run::~Run() {
  if (state_->engine.joinable()) {
    state_->abort.request_stop();
    state_->engine.join();
  }
}

bool Run::push(Request request) {
  State& state = *state_;
  const std::lock_guard lock(state.producer);
  if (state.closed) return false;
  if (!state.metered.admission().push(pushed_item(std::move(request), state.pushed))) {
    return false;
  }
  ++state.pushed;
  state.live.urls_read.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool Run::push(std::string url) {
  Request request;
  request.url = std::move(url);
  return push(std::move(request));
}

void Run::close() {
  State& state = *state_;
  const std::lock_guard lock(state.producer);
  if (std::exchange(state.closed, true)) return;
  state.live.input_complete.store(true, std::memory_order_relaxed);
  state.metered.admission().close();
}

// Admission is cancelled here as well as by the run core's own stop callback, which the
// engine thread may not have registered yet: a push after stop() or abort() returns must fail.
void Run::stop() {
  state_->stop.request_stop();
  state_->metered.admission().cancel();
}

void Run::abort() {
  state_->abort.request_stop();
  state_->metered.admission().cancel();
}

FetchReport Run::wait() {
  state_->engine.join();
  if (state_->failure) std::rethrow_exception(state_->failure);
  return state_->report;
}

const LiveCounters& Run::live() const noexcept { return state_->live; }

FetchReport fetch_urls(const Options& options, std::vector<std::string> urls,
                       RecordCallback on_record) {
  Run run(options, std::move(on_record));
  for (std::string& url : urls) run.push(std::move(url));
  run.close();
  return run.wait();
}

FetchReport fetch_requests(const Options& options, std::vector<Request> requests,
                           RecordCallback on_record) {
  Run run(options, std::move(on_record));
  for (Request& request : requests) run.push(std::move(request));
  run.close();
  return run.wait();
}

}  // namespace sluice
