// The two textbook answers, as engines for side-by-side measurement.
#include "textbook/textbook_engines.hpp"

#include <barrier>
#include <memory>
#include <unordered_set>
#include <vector>

#include "engines/curl_transfer.hpp"
#include "engines/worker_thread.hpp"

namespace sluice::detail {
namespace {

// The textbook designs need the whole list before they can slice it; they keep no count
// in flight, so each item is released as soon as it is taken.
std::vector<InputItem> read_everything(Admission& admission, std::stop_token stop) {
  std::vector<InputItem> items;
  while (auto admitted = admission.next_blocking(stop)) {
    admission.release(admitted->item.host);
    items.push_back(std::move(admitted->item));
  }
  return items;
}

// Slice `index` of `slices` over `count` items: sizes differ by at most one, so there are
// exactly `slices` of them whatever the remainder (the hang of len / N slicing is shown
// by examples/threads_barrier_fetch.cpp).
std::pair<std::size_t, std::size_t> slice_bounds(std::size_t index, std::size_t slices,
                                                 std::size_t count) {
  return {index * count / slices, (index + 1) * count / slices};
}

}  // namespace

void StaticSlicesEngine::run(Admission& admission, RecordSink& sink, LiveCounters& live,
                             std::stop_token stop) {
  std::vector<InputItem> items = read_everything(admission, stop);
  const std::size_t slices = options_.concurrency;
  std::barrier all_done(static_cast<std::ptrdiff_t>(slices + 1));
  std::vector<std::unique_ptr<WorkerThread>> workers;
  for (std::size_t s = 0; s < slices; ++s) {
    workers.push_back(std::make_unique<WorkerThread>(kWorkerStackBytes, [&, s](std::stop_token) {
      CurlTransfer transfer(options_, resources_);
      const auto [begin, end] = slice_bounds(s, slices, items.size());
      for (std::size_t i = begin; i < end; ++i) {
        InputItem& item = items[i];
        if (stop.stop_requested()) {
          sink.on_record(cancelled_record(std::move(item)));
        } else if (auto failed = transfer.prepare(std::move(item))) {
          sink.on_record(std::move(*failed));
        } else {
          live.in_flight.fetch_add(1, std::memory_order_relaxed);
          const CURLcode result = curl_easy_perform(transfer.handle());
          live.in_flight.fetch_sub(1, std::memory_order_relaxed);
          sink.on_record(transfer.finish(result));
        }
      }
      all_done.arrive_and_wait();
    }));
  }
  all_done.arrive_and_wait();  // main waits for every slice, the slowest one decides
}

void SlicePermitsEngine::run(Admission& admission, RecordSink& sink, LiveCounters& live,
                             std::stop_token stop) {
  std::vector<InputItem> items = read_everything(admission, stop);
  CURLM* multi = curl_multi_init();
  std::vector<std::unique_ptr<CurlTransfer>> transfers;
  std::unordered_set<CurlTransfer*> running;  // added to the multi handle, not yet done
  std::size_t free_permits = options_.concurrency;
  const std::size_t tasks = options_.concurrency;
  for (std::size_t task = 0; task < tasks; ++task) {
    // "acquire": there is always a permit, because there are as many as tasks.
    if (free_permits == 0) break;
    --free_permits;
    const auto [begin, end] = slice_bounds(task, tasks, items.size());
    for (std::size_t i = begin; i < end; ++i) {
      InputItem& item = items[i];
      auto transfer = std::make_unique<CurlTransfer>(options_, resources_);
      if (auto failed = transfer->prepare(std::move(item))) {
        sink.on_record(std::move(*failed));
        continue;
      }
      curl_multi_add_handle(multi, transfer->handle());
      running.insert(transfer.get());
      transfers.push_back(std::move(transfer));
    }
  }
  live.in_flight.store(running.size(), std::memory_order_relaxed);
  while (!running.empty() && !stop.stop_requested()) {
    int still_running = 0;
    curl_multi_perform(multi, &still_running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CurlTransfer* transfer = &CurlTransfer::from_handle(message->easy_handle);
      const CURLcode result = message->data.result;
      curl_multi_remove_handle(multi, message->easy_handle);
      sink.on_record(transfer->finish(result));
      running.erase(transfer);
    }
    live.in_flight.store(running.size(), std::memory_order_relaxed);
    if (!running.empty()) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  for (CurlTransfer* transfer : running) {  // only after a stop
    curl_multi_remove_handle(multi, transfer->handle());
    sink.on_record(transfer->cancel());
  }
  transfers.clear();
  curl_multi_cleanup(multi);
}

}  // namespace sluice::detail
