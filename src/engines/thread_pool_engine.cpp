// The thread engine: c workers, each blocking in curl_easy_perform on its own easy handle.
#include "engines/thread_pool_engine.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include "engines/curl_transfer.hpp"
#include "engines/worker_thread.hpp"
#include "scope_exit.hpp"
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
  // Adds the socket callbacks to `hooks`, for the connections the handle opens.
  // Connections keep their close callback after curl_easy_reset, so this object must
  // outlive the easy handle.
  void watch(TransferHooks& hooks) {
    hooks.open_socket = &WorkerSockets::open;
    hooks.close_socket = &WorkerSockets::close;
    hooks.socket_data = this;
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
  std::vector<curl_socket_t> open_;  // guarded by mutex_
};

}  // namespace

// -c auto for worker threads: a worker enters before it takes a URL and leaves when the
// transfer is over, and enters only while fewer than the adaptive limit are inside.
// Thread-safety: all members may be called from any worker.
class LimitGate {
 public:
  explicit LimitGate(const AdaptiveLimit& limit) : limit_(limit) {}

  // The number inside, this worker included; nullopt when `stop` came first.
  std::optional<std::size_t> enter(std::stop_token stop) {
    std::unique_lock lock(mutex_);
    // The limit also grows without anyone leaving; the timeout makes a waiting worker
    // look again soon enough for that.
    while (inside_ >= limit_.limit()) {
      if (stop.stop_requested()) return std::nullopt;
      changed_.wait_for(lock, stop, std::chrono::milliseconds(10), [] { return false; });
    }
    return ++inside_;
  }
  void leave() {
    {
      std::lock_guard lock(mutex_);
      --inside_;
    }
    changed_.notify_one();
  }

 private:
  const AdaptiveLimit& limit_;
  std::mutex mutex_;
  std::condition_variable_any changed_;
  std::size_t inside_ = 0;  // guarded by mutex_
};

ThreadPoolEngine::ThreadPoolEngine(const Options& options) : options_(options) {}

void ThreadPoolEngine::work(InputQueue& input, RecordSink& sink, LiveCounters& live,
                            RunLimits& limits, LimitGate* limit_gate, std::stop_token stop) {
  BandwidthGate gate;
  if (limits.bandwidth) {
    gate.bytes = &*limits.bandwidth;
    gate.stop = stop;
    gate.receive_buffer = limits.receive_buffer;
    gate.waiting = &live.waiting_for_bandwidth;
  }
  WorkerSockets sockets;  // declared first: the handle's connections close into it
  TransferHooks hooks{.progress = &abort_when_stopped, .progress_data = &stop};
  sockets.watch(hooks);
  CurlTransfer transfer(options_, std::move(gate), hooks);
  const std::stop_callback break_transfer(stop, [&] { sockets.shut_down_all(); });
  RetryPolicy retry(options_, std::random_device{}());
  while (!stop.stop_requested()) {
    std::size_t in_flight_at_start = 0;
    if (limit_gate) {
      const auto inside = limit_gate->enter(stop);
      if (!inside) return;
      in_flight_at_start = *inside;
      live.limit.store(limits.adaptive->limit(), std::memory_order_relaxed);
    }
    // Leaves the gate however this turn ends.
    const ScopeExit leave([&] {
      if (limit_gate) limit_gate->leave();
    });
    std::optional<InputItem> item = input.pop();
    if (!item) return;
    if (limits.rate) {
      // Counted for the whole call: one that finds its token returns at once, too soon
      // to be sampled.
      live.waiting_for_rate.fetch_add(1, std::memory_order_relaxed);
      const bool paid = limits.rate->take_blocking(1, stop);
      live.waiting_for_rate.fetch_sub(1, std::memory_order_relaxed);
      if (!paid) {
        input.release(item->host);
        sink.on_record(cancelled_record(std::move(*item)));
        return;
      }
    }
    if (auto failed = transfer.prepare(std::move(*item))) {
      input.release(transfer.host());
      sink.on_record(std::move(*failed));
      continue;
    }
    live.in_flight.fetch_add(1, std::memory_order_relaxed);
    const CURLcode result = curl_easy_perform(transfer.handle());
    live.in_flight.fetch_sub(1, std::memory_order_relaxed);
    // A failure after the abort is the abort's doing: the progress callback's, the bandwidth
    // gate's refusal, or whatever a shut-down socket gave.
    if (result != CURLE_OK && stop.stop_requested()) {
      input.release(transfer.host());
      sink.on_record(transfer.cancel());
    } else {
      settle(transfer, result, retry, input, sink, limits, in_flight_at_start);
    }
  }
}

void ThreadPoolEngine::run(InputQueue& input, RecordSink& sink, LiveCounters& live,
                           std::stop_token stop) {
  RunLimits limits(options_);
  std::optional<LimitGate> limit_gate;
  if (limits.adaptive) limit_gate.emplace(*limits.adaptive);
  std::vector<std::unique_ptr<WorkerThread>> workers;
  workers.reserve(options_.concurrency);
  try {
    for (std::size_t i = 0; i < options_.concurrency; ++i) {
      workers.push_back(std::make_unique<WorkerThread>(kWorkerStackBytes, [&](std::stop_token own) {
        // Either the run's stop or this pool's own shutdown ends the worker.
        std::stop_source either;
        std::stop_callback from_run(stop, [&] { either.request_stop(); });
        std::stop_callback from_pool(own, [&] { either.request_stop(); });
        work(input, sink, live, limits, limit_gate ? &*limit_gate : nullptr, either.get_token());
      }));
    }
  } catch (const std::system_error& error) {
    input.cancel();  // lets the workers already started finish the queued items and leave
    throw UsageError("--engine threads -c " + std::to_string(options_.concurrency) +
                     ": this machine allows only " + std::to_string(workers.size()) +
                     " more threads (" + error.code().message() +
                     "); lower -c or use the "
                     "event-loop engine");
  }
  std::stop_callback wake_workers(stop, [&] { input.cancel(); });
  for (auto& worker : workers) worker->join();
}

}  // namespace sluice::detail
