// The two textbook answers, as engines for side-by-side measurement.
#include "textbook/textbook_engines.hpp"

#include <barrier>
#include <memory>
#include <string>
#include <vector>

#include "engines/curl_transfer.hpp"
#include "engines/worker_thread.hpp"
#include "sluice/errors.hpp"
#include "textbook/textbook_chunks.hpp"

namespace sluice::detail {
namespace {

// The textbook designs need the whole list before they can cut it; they keep no count
// in flight, so each item is released as soon as it is taken.
std::vector<InputItem> read_everything(Admission& admission, std::stop_token stop) {
  std::vector<InputItem> items;
  while (auto admitted = admission.next_blocking(stop)) {
    admission.release(admitted->item.host);
    items.push_back(std::move(admitted->item));
  }
  return items;
}

// The chunks of `items`. A stop while reading may have cut the list short: then nothing is
// fetched, every item read is cancelled, and there are no chunks. Throws UsageError when
// there are fewer items than `n`, before anything is fetched, as the designs' batching does.
std::vector<Chunk> chunks_or_cancel(std::vector<InputItem>& items, std::size_t n, RecordSink& sink,
                                    std::stop_token stop) {
  if (stop.stop_requested()) {
    for (InputItem& item : items) sink.on_record(cancelled_record(std::move(item)));
    return {};
  }
  auto chunks = textbook_chunks(items.size(), n);
  if (!chunks) {
    throw UsageError("concurrency", " " + std::to_string(n) + " with " +
                                        std::to_string(items.size()) + " URLs: " + chunks.error() +
                                        " (the textbook designs cut the list into chunks of "
                                        "len // N URLs)");
  }
  return std::move(*chunks);
}

// Sets `transfer`, just prepared, to connect anew and to close its connection after the
// request: what a throwaway client per request (requests.get, a ClientSession per URL) does.
void use_a_connection_of_its_own(CurlTransfer& transfer) {
  curl_easy_setopt(transfer.handle(), CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(transfer.handle(), CURLOPT_FORBID_REUSE, 1L);
}

}  // namespace

void StaticSlicesEngine::run(Admission& admission, RecordSink& sink, LiveCounters& live,
                             std::stop_token stop) {
  std::vector<InputItem> items = read_everything(admission, stop);
  const std::vector<Chunk> chunks = chunks_or_cancel(items, options_.concurrency, sink, stop);
  if (chunks.empty()) return;
  // The design's N + 1 parties would hang with more than N chunks; a party per chunk plus
  // main is this engine's one change.
  std::barrier all_done(static_cast<std::ptrdiff_t>(chunks.size() + 1));
  std::vector<std::unique_ptr<WorkerThread>> workers;
  for (const Chunk chunk : chunks) {
    workers.push_back(
        std::make_unique<WorkerThread>(kWorkerStackBytes, [&, chunk](std::stop_token) {
          CurlTransfer transfer(options_, resources_);
          for (std::size_t i = chunk.begin; i < chunk.end; ++i) {
            InputItem& item = items[i];
            if (stop.stop_requested()) {
              sink.on_record(cancelled_record(std::move(item)));
            } else if (auto failed = transfer.prepare(std::move(item))) {
              sink.on_record(std::move(*failed));
            } else {
              use_a_connection_of_its_own(transfer);
              live.in_flight.fetch_add(1, std::memory_order_relaxed);
              const CURLcode result = curl_easy_perform(transfer.handle());
              live.in_flight.fetch_sub(1, std::memory_order_relaxed);
              sink.on_record(transfer.finish(result));
            }
          }
          all_done.arrive_and_wait();
        }));
  }
  all_done.arrive_and_wait();  // main waits for every chunk, the slowest one decides
}

namespace {

// One chunk of the permits design: its URLs still to start, and while it holds a permit,
// the transfer that fetches them one after another.
struct ChunkTask {
  std::size_t next = 0;  // index of the next URL to start
  std::size_t end = 0;
  std::unique_ptr<CurlTransfer> transfer;  // set while the task holds a permit
};

}  // namespace

void SlicePermitsEngine::run(Admission& admission, RecordSink& sink, LiveCounters& live,
                             std::stop_token stop) {
  std::vector<InputItem> items = read_everything(admission, stop);
  std::vector<ChunkTask> tasks;
  for (const Chunk chunk : chunks_or_cancel(items, options_.concurrency, sink, stop)) {
    tasks.push_back(ChunkTask{chunk.begin, chunk.end, nullptr});
  }
  CURLM* multi = curl_multi_init();
  std::size_t in_flight = 0;

  // Starts the task's next URL that can start; false when none is left, and the task gives
  // its transfer and its permit back.
  const auto start_next = [&](ChunkTask& task) {
    while (task.next < task.end) {
      if (auto failed = task.transfer->prepare(std::move(items[task.next++]))) {
        sink.on_record(std::move(*failed));
        continue;
      }
      use_a_connection_of_its_own(*task.transfer);
      task.transfer->set_owner(&task);
      curl_multi_add_handle(multi, task.transfer->handle());
      ++in_flight;
      return true;
    }
    task.transfer.reset();
    return false;
  };
  // The semaphore of N permits, as what it is on one event-loop thread: a count of free
  // permits and the tasks, in order, that wait for one (asyncio.Semaphore wakes its
  // waiters first come, first served; gather() starts the tasks in list order).
  std::size_t free_permits = options_.concurrency;
  std::size_t next_task = 0;
  const auto acquire_permits = [&] {
    while (free_permits > 0 && next_task < tasks.size()) {
      ChunkTask& task = tasks[next_task++];
      task.transfer = std::make_unique<CurlTransfer>(options_, resources_);
      if (start_next(task)) --free_permits;
    }
  };

  acquire_permits();
  live.in_flight.store(in_flight, std::memory_order_relaxed);
  while (in_flight > 0 && !stop.stop_requested()) {
    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CurlTransfer& transfer = CurlTransfer::from_handle(message->easy_handle);
      const CURLcode result = message->data.result;
      curl_multi_remove_handle(multi, message->easy_handle);
      --in_flight;
      sink.on_record(transfer.finish(result));
      if (!start_next(*static_cast<ChunkTask*>(transfer.owner()))) {
        ++free_permits;
        acquire_permits();
      }
    }
    live.in_flight.store(in_flight, std::memory_order_relaxed);
    if (in_flight > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  // Only after a stop: the transfers in flight are abandoned, the URLs not started cancelled.
  for (ChunkTask& task : tasks) {
    if (task.transfer) {
      curl_multi_remove_handle(multi, task.transfer->handle());
      sink.on_record(task.transfer->cancel());
      task.transfer.reset();
    }
    for (; task.next < task.end; ++task.next) {
      sink.on_record(cancelled_record(std::move(items[task.next])));
    }
  }
  live.in_flight.store(0, std::memory_order_relaxed);
  curl_multi_cleanup(multi);
}

}  // namespace sluice::detail
