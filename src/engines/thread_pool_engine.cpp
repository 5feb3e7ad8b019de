// The thread engine: c workers, each blocking in curl_easy_perform on its own easy handle.
#include "engines/thread_pool_engine.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "engines/connect_report.hpp"
#include "engines/curl_transfer.hpp"
#include "engines/worker_thread.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

// Called by libcurl during a transfer: a non-zero return aborts it, which is how a
// blocked curl_easy_perform learns that the run is stopping.
int abort_when_stopped(void* stop, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<std::stop_token*>(stop)->stop_requested() ? 1 : 0;
}

// The sockets of one worker's easy handle, so that an abort can end its transfer at once:
// a curl_easy_perform waiting for a quiet server looks at its progress callback only once
// a second. Shutting a socket down wakes that wait. The lock keeps a socket from being
// closed, and its number reused, while an abort shuts it down.
// Thread-safety: all members may be called from any thread.
class WorkerSockets {
 public:
  // Adds the socket callbacks to `hooks`, for the connections the handle opens, and tells
  // `connect` (may be null) of each socket opened. Connections keep their close callback
  // after curl_easy_reset, so this object must outlive the easy handle.
  void watch(TransferHooks& hooks, ConnectReport* connect) {
    hooks.open_socket = &WorkerSockets::open;
    hooks.close_socket = &WorkerSockets::close;
    hooks.socket_data = this;
    connect_ = connect;
  }
  void shut_down_all() {
    std::lock_guard lock(mutex_);
    for (const curl_socket_t socket : open_) ::shutdown(socket, SHUT_RDWR);
  }

 private:
  static curl_socket_t open(void* self, curlsocktype, curl_sockaddr* address) {
    auto& sockets = *static_cast<WorkerSockets*>(self);
    const curl_socket_t socket =
        ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (socket == CURL_SOCKET_BAD) return socket;
    if (sockets.connect_ != nullptr) sockets.connect_->socket_opened(socket);
    std::lock_guard lock(sockets.mutex_);
    sockets.open_.push_back(socket);
    return socket;
  }
  static int close(void* self, curl_socket_t socket) {
    auto& sockets = *static_cast<WorkerSockets*>(self);
    std::lock_guard lock(sockets.mutex_);
    std::erase(sockets.open_, socket);
    return ::close(socket);
  }

  std::mutex mutex_;
  std::vector<curl_socket_t> open_;   // guarded by mutex_
  ConnectReport* connect_ = nullptr;  // only the worker's own thread calls open()
};

void report_request_ready(void* connect) { static_cast<ConnectReport*>(connect)->request_ready(); }

}  // namespace

ThreadPoolEngine::ThreadPoolEngine(const Options& options, const RunResources& resources)
    : options_(options), resources_(resources) {}

void ThreadPoolEngine::work(Admission& admission, RecordSink& sink, LiveCounters& live,
                            RunLimits& limits, ReceiverSlots* receivers, std::stop_token stop) {
  BandwidthGate gate;
  if (limits.bandwidth) {
    gate.bytes = &*limits.bandwidth;
    gate.stop = stop;
    gate.window = &*limits.window;
    // The slot is taken at the first body byte, blocking there as the wait for bandwidth
    // tokens does: a worker waiting for its answer holds none.
    gate.begin_receiving = [receivers, stop] {
      return receivers->enter(stop) ? ReceiverSlot::Taken : ReceiverSlot::Stopped;
    };
    gate.end_receiving = [receivers] { receivers->leave(); };
    gate.waiting = &live.waiting_for_bandwidth;
    gate.link = limits.link_sampler.get();
  }
  const bool reports_connects = admission.wants_connect_reports();
  ConnectReport connect(admission);
  WorkerSockets sockets;  // declared first: the handle's connections close into it
  TransferHooks hooks{.progress = &abort_when_stopped, .progress_data = &stop};
  sockets.watch(hooks, reports_connects ? &connect : nullptr);
  if (reports_connects) {
    hooks.request_ready = &report_request_ready;
    hooks.request_data = &connect;
  }
  CurlTransfer transfer(options_, resources_, std::move(gate), hooks, RedirectFollower::Engine);
  share_.attach(transfer.handle());
  const std::stop_callback break_transfer(stop, [&] { sockets.shut_down_all(); });
  RetryPolicy retry(options_, std::random_device{}());
  while (receivers == nullptr || receivers->start(stop)) {
    auto admitted = admission.next_blocking(stop);
    if (!admitted) break;
    const std::size_t in_flight_at_start = admitted->in_flight;
    auto failed = transfer.prepare(std::move(admitted->item));
    if (reports_connects) connect.started(transfer.host());
    if (failed) {
      connect.ended(CURLE_OK);
      settle_unstarted(transfer, std::move(*failed), admission, sink);
      continue;
    }
    live.in_flight.fetch_add(1, std::memory_order_relaxed);
    const CURLcode result = curl_easy_perform(transfer.handle());
    live.in_flight.fetch_sub(1, std::memory_order_relaxed);
    connect.ended(result);
    // A failure after the abort is the abort's doing: the progress callback's, the bandwidth
    // gate's refusal, or whatever a shut-down socket gave.
    if (result != CURLE_OK && stop.stop_requested()) {
      admission.release(transfer.host());
      sink.on_record(transfer.cancel());
    } else {
      settle(transfer, result, retry, admission, sink, in_flight_at_start);
    }
  }
}

void ThreadPoolEngine::run(Admission& admission, RecordSink& sink, LiveCounters& live,
                           std::stop_token stop) {
  RunLimits limits(options_, resources_.bandwidth_share);
  if (admission.wants_connect_reports()) admission.expect_connect_reports();
  std::optional<ReceiverSlots> receivers;
  if (limits.window) receivers.emplace(*limits.window);
  ReceiverSlots* slots = receivers ? &*receivers : nullptr;
  limits.report_to(live);
  std::vector<std::unique_ptr<WorkerThread>> workers;
  workers.reserve(options_.concurrency);
  try {
    for (std::size_t i = 0; i < options_.concurrency; ++i) {
      workers.push_back(std::make_unique<WorkerThread>(kWorkerStackBytes, [&](std::stop_token own) {
        // Either the run's stop or this pool's own shutdown ends the worker.
        std::stop_source either;
        std::stop_callback from_run(stop, [&] { either.request_stop(); });
        std::stop_callback from_pool(own, [&] { either.request_stop(); });
        work(admission, sink, live, limits, slots, either.get_token());
      }));
    }
  } catch (const std::system_error& error) {
    // Ends admission; the vector's destructor then stops and joins the workers already
    // started, whose transfers end with cancelled records. The URLs still queued get
    // theirs from the run core, which cancels them however the engine ends.
    admission.cancel();
    // -c auto's threads are sized for its maximum.
    throw UsageError(options_.adaptive_concurrency ? "max_concurrency" : "concurrency",
                     " " + std::to_string(options_.concurrency) +
                         " needs a thread per slot on the thread engine, but this machine "
                         "allows only " +
                         std::to_string(workers.size()) + " more threads (" +
                         error.code().message() + "); lower it or use the event-loop engine");
  }
  std::stop_callback wake_workers(stop, [&] { admission.cancel(); });
  for (auto& worker : workers) worker->join();
}

}  // namespace sluice::detail
