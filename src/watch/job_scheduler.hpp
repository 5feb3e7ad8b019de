// The jobs of a watch run and the two threads that run them: the coordinator claims new
// list files and starts, finishes, fails and pauses jobs; the feeder moves the jobs' URLs
// into the run's admission in turn, one URL per job per turn, so that the jobs share the
// caps evenly.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "admission/admission.hpp"
#include "input/input_queue.hpp"
#include "run_core.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"
#include "watch/job_folders.hpp"
#include "watch/watch_job.hpp"

namespace sluice::detail {

// Gauges for the status line; each is independent and only displayed, so relaxed atomics.
struct WatchCounters {
  std::atomic<std::uint64_t> queued{0};   // named or claimed, not started
  std::atomic<std::uint64_t> running{0};  // started, not all records written
  std::atomic<std::uint64_t> done{0};     // results renamed into OUTBOX, list in .done
  std::atomic<std::uint64_t> failed{0};   // list in .failed
  std::atomic<std::uint64_t> paused{0};   // results cannot be written: waiting for room
  std::atomic<std::uint64_t> records{0};  // records written, all jobs together
};

// What became of a job, for the command line to report.
struct JobOutcome {
  enum class Kind {
    Renamed,  // claimed under a KEY other than its name (too long for OUTBOX's names)
    Done,     // results in OUTBOX, list in .done
    Failed,   // list in .failed (or left in INBOX, if it could not be moved)
    Paused,   // its results cannot be written: list and partial results stay for a retry
    Resumed,  // a paused job is tried again, as OUTBOX has room
  };
  Kind kind = Kind::Done;
  std::string key;
  std::string detail;  // Renamed: the list's name in INBOX; Failed, Paused: why
};

// Thread-safety: add() and on_record() may be called from any thread. Lifetime: start()
// once, stop() once after the engine has returned and admission's leftovers have been
// cancelled (cancel_queued); `folders`, `admission` and the counters must outlive it.
class JobScheduler final : public RecordSink {
 public:
  // Jobs open at once (running, or done and not yet finished); more wait in the queue. Each
  // running job has a reader thread and holds descriptors, and the feeder gives each an
  // equal share, so a bound keeps threads, descriptors and shares sane.
  static constexpr std::size_t kMaxOpenJobs = 32;

  // Feeds `core`'s admission.
  JobScheduler(const JobFolders& folders, const Options& options, RunCore& core,
               WatchCounters& counters, LiveCounters& live,
               std::function<void(const JobOutcome&)> on_outcome);
  JobScheduler(const JobScheduler&) = delete;
  JobScheduler& operator=(const JobScheduler&) = delete;
  ~JobScheduler() override;

  // Queues the jobs an earlier run left in .active, then starts the two threads.
  void start();
  // A file named `name` appeared in INBOX.
  void add(std::string name);
  // Routes a record to its job by its source, "KEY:LINE".
  void on_record(Record&& record) override;
  // Stops the threads and the readers, finishes the jobs whose records are all written,
  // and leaves the others (paused ones too) in .active with their partial results (or in
  // INBOX, not yet claimed) for the next start. Returns how many jobs it left so.
  std::size_t stop();

 private:
  struct Job {
    std::unique_ptr<WatchJob> job;
    std::uint64_t pushed = 0;    // items moved into the run's admission
    std::uint64_t recorded = 0;  // records written
    bool input_done = false;     // the list is read and its buffer drained: pushed is final
    bool cancelled = false;      // a stop cancelled one of its URLs: it stays for a resume
    bool stopping = false;       // its results cannot be written: no more of its URLs are fed
  };
  using Jobs = std::map<std::string, Job, std::less<>>;

  void coordinate(std::stop_token stop);
  void feed(std::stop_token stop);
  // Opens and starts queued jobs while there is room; called by the coordinator with the
  // lock held, which it releases around the file system work.
  void start_jobs(std::unique_lock<std::mutex>& lock);
  // Whether a queued job may be opened now; the caller holds mutex_.
  bool may_start_job() const;
  // WatchJob::open, with the exceptions of its descriptors turned into its error.
  std::expected<std::unique_ptr<WatchJob>, JobOpenError> open_job(const std::string& key) const;
  void finish(Job& job);  // the coordinator, without the lock
  // The callers hold mutex_.
  void complete_if_done(Jobs::iterator job);
  // Has the coordinator stop reading a job whose results cannot be written: the feeder then
  // finds its input over, and once its URLs in flight are recorded, finish() pauses it.
  void stop_if_write_failed(Job& job);
  void note_paused(const std::string& key);
  void publish_counts();
  void wake_feeder();

  const JobFolders& folders_;
  const Options& options_;
  Admission& admission_;
  const std::size_t event_loops_;  // of the run the jobs share, for their summaries
  WatchCounters& counters_;
  LiveCounters& live_;
  const std::function<void(const JobOutcome&)> on_outcome_;

  std::mutex mutex_;
  std::condition_variable_any coordinator_wake_;  // guarded by mutex_
  std::condition_variable_any feeder_wake_;       // guarded by mutex_
  std::deque<std::string> names_;   // guarded by mutex_: seen in INBOX, not yet claimed
  std::deque<std::string> queued_;  // guarded by mutex_: claimed keys waiting to start
  Jobs running_;                    // guarded by mutex_
  std::vector<Job> completed_;      // guarded by mutex_: all records in, to be finished
  // Guarded by mutex_: running jobs to stop reading. Each is alive until the coordinator
  // takes it from here, as only the coordinator destroys a job (stop() after it).
  std::vector<WatchJob*> to_stop_;
  std::vector<std::string> paused_;  // guarded by mutex_: keys waiting for room in OUTBOX
  std::chrono::steady_clock::time_point next_room_check_;  // guarded by mutex_
  // Guarded by mutex_: no job is opened before then; a job found no free descriptor.
  std::optional<std::chrono::steady_clock::time_point> descriptors_due_;
  std::uint64_t done_ = 0;    // guarded by mutex_
  std::uint64_t failed_ = 0;  // guarded by mutex_
  // Guarded by mutex_: a job started, so the feeder must look at running_ again; and a
  // job's buffer got an item (or ended) after the feeder found it empty.
  bool jobs_changed_ = false;
  bool feeder_signal_ = false;
  std::jthread coordinator_;
  std::jthread feeder_;
};

}  // namespace sluice::detail
