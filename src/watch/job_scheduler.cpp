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
// Paused jobs are tried again when OUTBOX has room for this much, looked at this long after
// the latest pause: often enough to resume soon, rarely enough that a disk on the brink
// costs few refetched URLs (those a failed write loses).
constexpr std::size_t kRoomToResume = 1024 * 1024;
constexpr auto kPausedRetry = std::chrono::seconds(10);

}  // namespace

JobScheduler::JobScheduler(const JobFolders& folders, const Options& options, RunCore& core,
                           WatchCounters& counters, LiveCounters& live,
                           std::function<void(const JobOutcome&)> on_outcome)
    : folders_(folders),
      options_(options),
      admission_(core.admission()),
      event_loops_(core.event_loops()),
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
  counters_.paused.store(paused_.size(), std::memory_order_relaxed);
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
  stop_if_write_failed(job->second);
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

void JobScheduler::stop_if_write_failed(Job& job) {
  if (job.stopping || job.input_done || !job.job->write_failed()) return;
  job.stopping = true;
  to_stop_.push_back(job.job.get());
  coordinator_wake_.notify_one();
}

void JobScheduler::note_paused(const std::string& key) {
  paused_.push_back(key);
  next_room_check_ = std::chrono::steady_clock::now() + kPausedRetry;
}

void JobScheduler::coordinate(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    coordinator_wake_.wait_for(lock, stop, kFlushTick, [&] {
      return !names_.empty() || !completed_.empty() || !to_stop_.empty() || may_start_job();
    });
    if (stop.stop_requested()) return;
    for (auto& [key, job] : running_) {
      job.job->flush_stale();
      stop_if_write_failed(job);
    }
    auto names = std::exchange(names_, {});
    auto completed = std::exchange(completed_, {});
    const auto to_stop = std::exchange(to_stop_, {});
    std::vector<std::string> retry;
    if (!paused_.empty() && std::chrono::steady_clock::now() >= next_room_check_) {
      retry = paused_;
      next_room_check_ = std::chrono::steady_clock::now() + kPausedRetry;
    }
    lock.unlock();
    // Before finish(): a job to stop may be among the completed ones.
    for (WatchJob* job : to_stop) job->stop_reading();
    std::vector<std::string> claimed;
    std::size_t failed = 0;
    for (const auto& name : names) {
      auto claim = folders_.claim(name);
      if (claim.status == Claim::Status::Gone) continue;
      if (claim.status == Claim::Status::Failed) {
        ++failed;
        on_outcome_(
            JobOutcome{.kind = JobOutcome::Kind::Failed, .key = claim.key, .detail = claim.reason});
        continue;
      }
      if (claim.key != name) {
        on_outcome_(
            JobOutcome{.kind = JobOutcome::Kind::Renamed, .key = claim.key, .detail = name});
      }
      claimed.push_back(std::move(claim.key));
    }
    for (auto& job : completed) finish(job);
    if (!retry.empty() && !folders_.outbox_has_room(kRoomToResume)) retry.clear();
    for (const auto& key : retry) {
      on_outcome_(JobOutcome{.kind = JobOutcome::Kind::Resumed, .key = key, .detail = {}});
    }
    lock.lock();
    failed_ += failed;
    for (auto& key : claimed) queued_.push_back(std::move(key));
    for (auto& key : retry) {
      std::erase(paused_, key);
      queued_.push_back(std::move(key));
    }
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
    std::optional<std::expected<std::unique_ptr<WatchJob>, JobOpenError>> opened;
    if (folders_.results_complete(key)) {
      // An earlier run wrote the results and stopped before it moved the list.
      folders_.retire(key);
    } else {
      opened = open_job(key);
      if (!*opened && tells_of_descriptor_shortage(opened->error().reason)) {
        // Not the list's fault, nor OUTBOX's: it stays in .active and is opened again once
        // the jobs and transfers in flight had time to close some of their files.
        lock.lock();
        queued_.push_front(key);
        descriptors_due_ = std::chrono::steady_clock::now() + kDescriptorWait;
        return;
      }
      if (!*opened && !opened->error().in_outbox) folders_.fail(key, opened->error().reason);
    }
    lock.lock();
    if (!opened) {
      ++done_;
      continue;
    }
    if (!*opened) {
      const bool in_outbox = opened->error().in_outbox;
      if (in_outbox) {
        note_paused(key);
      } else {
        ++failed_;
      }
      lock.unlock();
      on_outcome_(
          JobOutcome{.kind = in_outbox ? JobOutcome::Kind::Paused : JobOutcome::Kind::Failed,
                     .key = key,
                     .detail = opened->error().reason});
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

std::expected<std::unique_ptr<WatchJob>, JobOpenError> JobScheduler::open_job(
    const std::string& key) const {
  try {
    return WatchJob::open(folders_, key, options_, event_loops_);
  } catch (const std::system_error& error) {
    // Its reader's eventfd could not be made (EMFILE or ENFILE, in practice).
    return std::unexpected(JobOpenError{.reason = error.what()});
  }
}

void JobScheduler::finish(Job& job) {
  const std::string key = job.job->key();
  auto summary = job.job->finish();
  // Whatever fails here is OUTBOX's or INBOX's doing, not the list's: the job pauses with
  // its list and partial results in place.
  std::string failure = summary ? folders_.finish(key, *summary) : summary.error();
  // Here, without the lock: stopping its reader may wake the feeder, which takes it.
  job.job.reset();
  {
    std::lock_guard lock(mutex_);
    if (failure.empty()) {
      ++done_;
    } else {
      note_paused(key);
    }
    publish_counts();
  }
  on_outcome_(
      JobOutcome{.kind = failure.empty() ? JobOutcome::Kind::Done : JobOutcome::Kind::Paused,
                 .key = key,
                 .detail = std::move(failure)});
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
  for (const auto& [key, job] : unfinished) {
    // Stopped before its URLs in flight were all recorded, so finish() never said why.
    if (job.job->write_failed()) {
      on_outcome_(JobOutcome{
          .kind = JobOutcome::Kind::Paused, .key = key, .detail = job.job->write_failure()});
    }
  }
  unfinished.clear();
  std::lock_guard lock(mutex_);
  publish_counts();
  return left + queued_.size() + names_.size() + paused_.size();
}

}  // namespace sluice::detail
