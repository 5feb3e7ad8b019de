// A worker: the feeder thread, the run core, and the records' way back through AckWriter.
#include "worker/worker_run.hpp"

#include <mutex>
#include <thread>

#include "run_checks.hpp"
#include "run_core.hpp"
#include "scope_exit.hpp"
#include "sluice/errors.hpp"
#include "worker/ack_writer.hpp"
#include "worker/entry_feeder.hpp"
#include "worker/job_bandwidth.hpp"
#include "worker/lease_keeper.hpp"

namespace sluice::detail {
namespace {

JobKeys checked_keys(const std::string& job) {
  auto keys = job_keys(job);
  if (!keys) throw UsageError("--job: " + keys.error());
  return *keys;
}

RedisLink connected(const RedisUrl& url) {
  auto link = RedisLink::open(url);
  if (!link) throw UsageError(link.error().message);
  return std::move(*link);
}

// A record goes back to Redis with its entry; a cancelled one (a stop) releases its entry.
class WorkerSink final : public RecordSink {
 public:
  WorkerSink(EntriesInWork& in_work, AckWriter& writer, LiveCounters& live)
      : in_work_(in_work), writer_(writer), live_(live) {}
  void on_record(Record&& record) override {
    auto entry = in_work_.take(record.index);
    if (!entry) return;
    if (record.error && record.error->kind == ErrorKind::Cancelled) {
      writer_.release(std::move(*entry));
      return;
    }
    live_.records.fetch_add(1, std::memory_order_relaxed);
    if (record.ok) live_.ok.fetch_add(1, std::memory_order_relaxed);
    live_.bytes.fetch_add(record.bytes, std::memory_order_relaxed);
    writer_.finish(std::move(*entry), record);
  }

 private:
  EntriesInWork& in_work_;
  AckWriter& writer_;
  LiveCounters& live_;
};

// The first failure, from whichever thread saw it.
class FirstFailure {
 public:
  void set(const std::string& message) {
    const std::lock_guard lock(mutex_);
    if (!message_) message_ = message;
  }
  std::optional<std::string> get() const {
    const std::lock_guard lock(mutex_);
    return message_;
  }

 private:
  mutable std::mutex mutex_;
  std::optional<std::string> message_;  // guarded by mutex_
};

}  // namespace

WorkerRun::WorkerRun(Options options, WorkerSettings settings)
    : options_(checked_run_options(std::move(options), {})),
      settings_(std::move(settings)),
      keys_(checked_keys(settings_.job)),
      resources_(open_run_resources(options_)),
      link_(connected(settings_.redis)) {
  auto exists = link_.call({"EXISTS", keys_.meta});
  if (!exists) throw UsageError(exists.error().message);
  if (exists->integer == 0) {
    throw UsageError("no job '" + settings_.job + "' on " + settings_.redis.shown() +
                     " (sluice submit creates it)");
  }
  if (job_wide_bandwidth()) resources_.bandwidth_share = &bandwidth_share_;
}

bool WorkerRun::job_wide_bandwidth() const noexcept {
  // --max-bandwidth auto learns each machine's own link, so it stays per worker.
  return options_.max_bandwidth > 0 && !options_.adaptive_bandwidth;
}

WorkerReport WorkerRun::run(RunControl control, LiveCounters& live) {
  global_curl_init();
  FirstFailure failure;
  std::stop_source halt;  // a signal's stop, or Redis lost for good
  const std::stop_callback forward_stop(control.stop, [&] { halt.request_stop(); });
  const auto fail = [&](const std::string& message) {
    failure.set(message);
    halt.request_stop();
  };
  // Before the core: its engine's limits start from the share.
  std::optional<JobBandwidth> bandwidth;
  if (job_wide_bandwidth()) {
    bandwidth.emplace(settings_.redis, keys_, settings_.consumer,
                      static_cast<double>(options_.max_bandwidth), bandwidth_share_, fail);
    bandwidth->wait_for_first_share(halt.get_token());
  }
  RunCore core(options_, resources_, live);
  EntriesInWork in_work;
  AckWriter writer(settings_.redis, keys_, settings_.consumer, settings_.lease, fail);
  WorkerSink sink(in_work, writer, live);
  const LeaseKeeper leases(settings_.redis, keys_, settings_.consumer, settings_.lease, in_work,
                           fail);
  const FeederSettings feeder_settings{
      .consumer = settings_.consumer,
      .lease = settings_.lease,
      .most_in_work = 2 * options_.concurrency + 16,
      // The local --rate and --per-host stay too: a worker alone never goes beyond the job.
      .job_rate = options_.rate,
      .job_per_host = options_.per_host,
  };
  std::jthread feeder([&] {
    if (auto failed = feed_entries(link_, keys_, feeder_settings, core.admission(), in_work,
                                   halt.get_token())) {
      fail(*failed);
    }
  });
  // Should the run throw, the feeder must stop before it is joined.
  const ScopeExit halt_feeder([&] { halt.request_stop(); });
  core.run(sink, halt.get_token(), control.abort);
  feeder.join();
  // Taken but never admitted (the feeder stopped midway): back to the job.
  for (auto& entry : in_work.entries()) writer.release(std::move(entry));
  writer.close();
  return WorkerReport{.records = live.records.load(std::memory_order_relaxed),
                      .ok = live.ok.load(std::memory_order_relaxed),
                      .written = writer.written(),
                      .done_elsewhere = writer.done_elsewhere(),
                      .released = writer.released(),
                      .failure = failure.get()};
}

}  // namespace sluice::detail
