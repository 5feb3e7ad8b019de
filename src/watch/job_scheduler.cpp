// The jobs of a watch run: claiming, starting, feeding fairly, routing records, finishing.
#include "watch/job_scheduler.hpp"

#include <string_view>
#include <system_error>
#include <utility>

#include "fd_limit.hpp"

namespace sluice::detail {
namespace {

// How often the coordinator writes out result lines that have waited too long for company.
constexpr auto kFlushTick = std::chrono::milliseconds(250);

}  // namespace

JobScheduler::JobScheduler(const JobFolders& folders, const Options& options, Admission& admission,
                           WatchCounters& counters, LiveCounters& live,
                           std::function<void(const JobOutcome&)> on_outcome)
    : folders_(folders),
      options_(options),
      admission_(admission),
      counters_(counters),
      live_(live),
      on_outcome_(std::move(on_outcome)) {}

JobScheduler::~JobScheduler() { stop(); }

void JobScheduler::start() {
  {
    std::lock_guard lock(mutex_);
    for (auto& key : folders_.active_keys()) queued_.push_back(std::move(key));
    publish_counts();
  }
  coordinator_ = std::jthread([this](std::stop_token stop) { coordinate(stop); });
  feeder_ = std::jthread([this](std::stop_token stop) { feed(stop); });
}

void JobScheduler::add(std::string name) {
  std::lock_guard lock(mutex_);
  names_.push_back(std::move(name));
  publish_counts();
  coordinator_wake_.notify_one();
}

void JobScheduler::publish_counts() {
  counters_.queued.store(names_.size() + queued_.size(), std::memory_order_relaxed);
  counters_.running.store(running_.size(), std::memory_order_relaxed);
  counters_.done.store(done_, std::memory_order_relaxed);
  counters_.failed.store(failed_, std::memory_order_relaxed);
}

void JobScheduler::wake_feeder() {
  std::lock_guard lock(mutex_);
  feeder_signal_ = true;
  feeder_wake_.notify_one();
}

void JobScheduler::on_record(Record&& record) {
  std::lock_guard lock(mutex_);
  const std::string_view source = record.source;
  const auto job = running_.find(source.substr(0, source.rfind(':')));
  // Every item comes from a running job, and a job stays running until all its records are in.
  if (job == running_.end()) return;
  job->second.job->record(record);
  ++job->second.recorded;
  counters_.records.fetch_add(1, std::memory_order_relaxed);
  if (record.error && record.error->kind == ErrorKind::Cancelled) job->second.cancelled = true;
  complete_if_done(job);
}

void JobScheduler::complete_if_done(Jobs::iterator job) {
  const Job& state = job->second;
  if (!state.input_done || state.recorded != state.pushed || state.cancelled) return;
  completed_.push_back(std::move(job->second));
  running_.erase(job);
  publish_counts();
  coordinator_wake_.notify_one();
}

void JobScheduler::coordinate(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    coordinator_wake_.wait_for(lock, stop, kFlushTick, [&] {
      return !names_.empty() || !completed_.empty() || may_start_job();
    });
    if (stop.stop_requested()) return;
    for (auto& [key, job] : running_) job.job->flush_stale();
    auto names = std::exchange(names_, {});
    auto completed = std::exchange(completed_, {});
    lock.unlock();
    std::vector<std::string> claimed;
    for (const auto& name : names) {
      if (auto key = folders_.claim(name)) claimed.push_back(std::move(*key));
    }
    for (auto& job : completed) finish(job);
    lock.lock();
    for (auto& key : claimed) queued_.push_back(std::move(key));
    start_jobs(lock);
    publish_counts();
  }
}

bool JobScheduler::may_start_job() const {
  // Done jobs hold their files until the coordinator has finished them.
  return !queued_.empty() && running_.size() + completed_.size() < kMaxOpenJobs &&
         (!descriptors_due_ || std::chrono::steady_clock::now() >= *descriptors_due_);
}

void JobScheduler::start_jobs(std::unique_lock<std::mutex>& lock) {
  while (may_start_job()) {
    const std::string key = std::move(queued_.front());
    queued_.pop_front();
    lock.unlock();
    std::optional<std::expected<std::unique_ptr<WatchJob>, std::string>> opened;
    if (folders_.results_complete(key)) {
      // An earlier run wrote the results and stopped before it moved the list.
      folders_.retire(key);
    } else {
      opened = open_job(key);
      if (!*opened && tells_of_descriptor_shortage(opened->error())) {
        // Not the list's fault: it stays in .active and is opened again once the jobs and
        // transfers in flight had time to close some of their files.
        lock.lock();
        queued_.push_front(key);
        descriptors_due_ = std::chrono::steady_clock::now() + kDescriptorWait;
        return;
      }
      if (!*opened) folders_.fail(key, opened->error());
    }
    lock.lock();
    if (!opened) {
      ++done_;
      continue;
    }
    if (!*opened) {
      ++failed_;
      lock.unlock();
      on_outcome_(JobOutcome{.key = key, .failure = opened->error()});
      lock.lock();
      continue;
    }
    WatchJob& job = *opened->value();
    running_.emplace(key, Job{.job = std::move(opened->value())});
    jobs_changed_ = true;
    feeder_signal_ = true;
    feeder_wake_.notify_one();
    // Started under the lock: its wake-up takes the lock, so it cannot run before the job
    // is in running_, and a running job's items may be recorded at once.
    job.start_reading([this] { wake_feeder(); });
  }
}

std::expected<std::unique_ptr<WatchJob>, std::string> JobScheduler::open_job(
    const std::string& key) const {
  try {
    return WatchJob::open(folders_, key, options_);
  } catch (const std::system_error& error) {
    // Its reader's eventfd could not be made (EMFILE or ENFILE, in practice).
    return std::unexpected(std::string(error.what()));
  }
}

void JobScheduler::finish(Job& job) {
  const std::string& key = job.job->key();
  auto summary = job.job->finish();
  std::string failure = summary ? folders_.finish(key, *summary) : summary.error();
  if (!failure.empty()) folders_.fail(key, failure);
  {
    std::lock_guard lock(mutex_);
    ++(failure.empty() ? done_ : failed_);
    publish_counts();
  }
  on_outcome_(JobOutcome{.key = key, .failure = std::move(failure)});
}

void JobScheduler::feed(std::stop_token stop) {
  // A running job whose input is not over; `state` stays valid until the feeder itself
  // sets input_done, since a job leaves running_ only after that.
  struct Lane {
    Job* state;
    WatchJob* job;
  };
  std::vector<Lane> lanes;
  std::vector<InputItem> items;
  std::unique_lock lock(mutex_);
  while (feeder_wake_.wait(lock, stop, [&] { return feeder_signal_; })) {
    feeder_signal_ = false;
    // Turns of one item per job, until a turn finds nothing: a job that has nothing now
    // raises feeder_signal_ when it has.
    for (bool moved = true; moved && !stop.stop_requested();) {
      if (std::exchange(jobs_changed_, false)) {
        lanes.clear();
        for (auto& [key, state] : running_) {
          if (!state.input_done) lanes.push_back(Lane{&state, state.job.get()});
        }
      }
      moved = false;
      for (auto& lane : lanes) {
        lock.unlock();
        items.clear();
        const auto status = lane.job->buffer().try_pop(items, 1);
        lock.lock();
        if (status == InputQueue::PopStatus::Drained) {
          lane.state->input_done = true;
          complete_if_done(running_.find(lane.job->key()));
          lane = Lane{nullptr, nullptr};
          continue;
        }
        if (status == InputQueue::PopStatus::Empty) continue;
        // Counted before the push: its record may come back before push() returns.
        ++lane.state->pushed;
        lock.unlock();
        live_.urls_read.fetch_add(1, std::memory_order_relaxed);
        // Blocks while admission is full: this is where a job waits for its turn.
        const bool accepted = admission_.push(std::move(items.front()));
        lock.lock();
        if (!accepted) return;  // the run is stopping
        moved = true;
      }
      std::erase_if(lanes, [](const Lane& lane) { return lane.job == nullptr; });
    }
  }
}

std::size_t JobScheduler::stop() {
  admission_.cancel();  // releases a feeder blocked in push()
  coordinator_.request_stop();
  feeder_.request_stop();
  if (coordinator_.joinable()) coordinator_.join();
  if (feeder_.joinable()) feeder_.join();
  std::vector<Job> completed;
  Jobs unfinished;
  {
    std::lock_guard lock(mutex_);
    completed = std::exchange(completed_, {});
    unfinished = std::exchange(running_, {});
  }
  for (auto& job : completed) finish(job);
  // Outside the lock: cancelling a buffer calls its wake-up, which takes the lock. The
  // destructors stop the readers and write out what the jobs have.
  const std::size_t left = unfinished.size();
  unfinished.clear();
  std::lock_guard lock(mutex_);
  publish_counts();
  return left + queued_.size() + names_.size();
}

}  // namespace sluice::detail
