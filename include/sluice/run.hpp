// A run a program feeds while it goes: push URLs or Requests, close, stop; each record goes to
// a callback or a RecordSink. Each URL is taken as given: no ranges, no "@FILE", no "-".
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"
#include "sluice/record.hpp"
#include "sluice/request.hpp"

namespace sluice {

// Called once per record, as RecordSink::on_record is: from the engine's thread(s), so it must
// be thread-safe under EngineKind::Threads; it must not throw.
using RecordCallback = std::function<void(Record&&)>;

// A RecordSink that hands each record to a function, for Fetcher::run and fetch().
class CallbackSink final : public RecordSink {
 public:
  explicit CallbackSink(RecordCallback callback) : callback_(std::move(callback)) {}
  void on_record(Record&& record) override { callback_(std::move(record)); }

 private:
  RecordCallback callback_;
};

// The engine starts in the constructor, on a thread of its own, and fetches what is pushed as
// soon as the options let it. Every request pushed gets exactly one record, whatever happens:
// after stop() or abort() the ones not yet fetched get cancelled records.
// Thread-safety: every member may be called from any thread, except that wait() is called by
// one thread at most. Lifetime: a RecordSink given must outlive the Run; the destructor of a
// Run not waited for aborts it and waits.
class Run {
 public:
  // Checks the options and opens what they name (the output directory, ...); throws UsageError
  // naming the first problem, before anything is fetched. Options::resume_from and
  // Options::literal_sources belong to Fetcher, which reads sources: a Run refuses the first.
  Run(Options options, RecordCallback on_record);
  Run(Options options, RecordSink& sink);
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  ~Run();

  // Adds one request, or one URL as given; its record's index counts pushes from 0 and its
  // source is "arg:N" (N from 1). Blocks while the run holds as many as it queues (twice
  // Options::concurrency, plus 1024). Returns false, and adds nothing, after close(), stop() or
  // abort().
  bool push(Request request);
  bool push(std::string url);
  // No more pushes: the run ends once everything pushed has its record.
  void close();
  // As RunControl::stop: nothing more starts, transfers in flight get Options::grace.
  void stop();
  // As RunControl::abort: transfers in flight end now, with cancelled records.
  void abort();
  // Blocks until the run is over (after close(), stop() or abort()), then returns its report,
  // or rethrows what ended the engine. Call once.
  FetchReport wait();

  // The run's gauges, updated as it goes.
  const LiveCounters& live() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A Run over `urls` (each as given) or `requests`, closed and waited for.
FetchReport fetch_urls(const Options& options, std::vector<std::string> urls,
                       RecordCallback on_record);
FetchReport fetch_requests(const Options& options, std::vector<Request> requests,
                           RecordCallback on_record);

}  // namespace sluice
