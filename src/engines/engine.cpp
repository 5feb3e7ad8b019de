// Chooses the engine that Options names, and the steps every engine shares.
#include "engines/engine.hpp"

#include "engines/event_loop_engine.hpp"
#include "engines/event_loop_group.hpp"
#include "engines/thread_pool_engine.hpp"
#include "fd_limit.hpp"
#include "limit/host_key.hpp"

namespace sluice::detail {

std::unique_ptr<Engine> make_engine(const Options& options, const RunResources& resources) {
  switch (options.engine) {
    case EngineKind::EventLoop:
      if (event_loop_count(options) > 1) {
        return std::make_unique<EventLoopGroup>(options, resources);
      }
      return std::make_unique<EventLoopEngine>(options, resources);
    case EngineKind::Threads:
      return std::make_unique<ThreadPoolEngine>(options, resources);
  }
  return std::make_unique<EventLoopEngine>(options, resources);
}

namespace {

// What tells -c auto that the servers are overloaded, besides rising latency.
bool overload_signal(const Record& record) {
  if (!record.error) return false;
  const ErrorKind kind = record.error->kind;
  return kind == ErrorKind::Timeout || kind == ErrorKind::Connect || kind == ErrorKind::Network ||
         record.status == 429 || record.status == 503;
}

// The host whose answer the transfer ended on: after redirects, maybe not the URL's own. Its
// announced limits and pauses are its own, whoever sent us there.
std::string answering_host(const Record& record, const std::string& url_host) {
  if (!record.final_url) return url_host;
  return host_key(*record.final_url).value_or(url_host);
}

}  // namespace

void settle(CurlTransfer& transfer, CURLcode result, RetryPolicy& retry, Admission& admission,
            RecordSink& sink, std::size_t in_flight_at_start) {
  Record record = transfer.finish(result);
  if (transfer.short_of_descriptors()) {
    // Says nothing of the server: no sample for -c auto, and the host may start again.
    settle_unstarted(transfer, std::move(record), admission, sink);
    return;
  }
  // Empty when hosts are not tracked (an engine given to FetchRun: src/fetch_run.hpp): there
  // is no one to tell then.
  const std::string answered_by =
      transfer.host().empty() ? std::string() : answering_host(record, transfer.host());
  // All before the release, which may start the host's next request: that one already
  // keeps to the announced limit or pause.
  if (record.status && !answered_by.empty()) {
    if (const auto limit = transfer.rate_limit(std::chrono::system_clock::now())) {
      admission.observe_rate_limit(answered_by, *limit);
    }
  }
  const std::string host = transfer.host();
  if (transfer.redirect_target()) {
    // The next hop is another request, maybe to another host: it waits for that host's
    // turn like any URL, ahead of new input. Its attempt's last hop gives -c auto the
    // sample of the whole chain, as libcurl's following did.
    admission.retry(transfer.follow(std::move(record)), std::chrono::nanoseconds::zero());
    admission.release(host);
    return;
  }
  const std::chrono::duration<double, std::milli> rtt(record.elapsed_ms);
  admission.on_sample(std::chrono::duration_cast<std::chrono::nanoseconds>(rtt), in_flight_at_start,
                      overload_signal(record));
  if (record.error) {
    const auto retry_after = transfer.retry_after();
    if (retry_after && (record.status == 429 || record.status == 503)) {
      // The server asked for a break: no URL of its host starts before it is over
      // (admission caps it by Options::max_retry_wait, as the retry's own wait is).
      admission.pause_host(answered_by, *retry_after);
    }
    const auto wait = retry.next_wait(*record.error, record.status, record.attempts, retry_after,
                                      transfer.method());
    if (wait) {
      // Handed back before the release, so that admission never looks drained between.
      admission.retry(transfer.requeue(std::move(record)), *wait);
      admission.release(host);
      return;
    }
  }
  admission.release(host);
  sink.on_record(std::move(record));
}

void settle_unstarted(CurlTransfer& transfer, Record&& record, Admission& admission,
                      RecordSink& sink) {
  const std::string host = transfer.host();
  if (transfer.short_of_descriptors()) {
    // Never final: the descriptors come back as transfers end. Handed back before the
    // release, so that admission never looks drained between.
    admission.retry(transfer.requeue(std::move(record)), kDescriptorWait);
    admission.release(host);
    return;
  }
  admission.release(host);
  sink.on_record(std::move(record));
}

void cancel_queued(Admission& admission, RecordSink& sink) {
  admission.cancel();  // from here on the reader adds nothing, so take_all() gets everything
  for (auto& item : admission.take_all()) sink.on_record(cancelled_record(std::move(item)));
}

}  // namespace sluice::detail
