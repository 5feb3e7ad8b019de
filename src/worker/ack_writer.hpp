// The worker's way out: each final record is written to the job's results stream and its
// entry acknowledged in one Lua script, pipelined in batches on a connection of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "sluice/record.hpp"
#include "worker/entries_in_work.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

// The script acknowledges first and writes the record only if the entry was still pending:
// a record is never written twice, even when two workers fetched one entry (a lease ran out
// under a slow transfer) or a batch is sent again after a reconnect; and an entry is never
// acknowledged without its record, as a script runs whole or not at all.
// Thread-safety: finish() and release() from any thread; close() once, from one.
// Lifetime: the writer thread runs from construction to close() (or destruction).
class AckWriter {
 public:
  // `consumer` and `lease`: release() makes an entry idle for `lease`, so that the next
  // XAUTOCLAIM of any worker takes it at once. `on_failure` is called (on the writer's
  // thread) once Redis stayed unreachable past the link's patience; the entries of the batch
  // it gave up on stay pending, for a live worker to claim.
  AckWriter(const RedisUrl& url, JobKeys keys, std::string consumer,
            std::chrono::milliseconds lease, std::function<void(const std::string&)> on_failure);
  AckWriter(const AckWriter&) = delete;
  AckWriter& operator=(const AckWriter&) = delete;
  ~AckWriter();

  // Either way, the entry's host lease (a job-wide --per-host) is given up.
  void finish(EntryInWork entry, const Record& record);
  // The entry goes back to the job without a record (a stop cancelled its URL).
  void release(EntryInWork entry);
  // Writes what is queued and ends the thread.
  void close();

  std::uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }
  // Records not written because another worker had written the entry's record already.
  std::uint64_t done_elsewhere() const noexcept {
    return done_elsewhere_.load(std::memory_order_relaxed);
  }
  std::uint64_t released() const noexcept { return released_.load(std::memory_order_relaxed); }

 private:
  struct Outcome {
    EntryInWork entry;
    std::string record;  // the JSON line without its newline; empty for a release
    bool failed = false;
  };
  void write_loop();
  std::vector<RedisCommand> commands(const std::deque<Outcome>& batch, bool by_text) const;

  const RedisUrl url_;
  const JobKeys keys_;
  const std::string consumer_;
  const std::chrono::milliseconds lease_;
  std::function<void(const std::string&)> on_failure_;
  std::string script_sha_;  // the writer thread's: set on every connect

  std::mutex mutex_;
  std::condition_variable changed_;  // guarded by mutex_
  std::deque<Outcome> queue_;        // guarded by mutex_
  bool closing_ = false;             // guarded by mutex_

  // Relaxed: counters read for the report after close(), which joins the writer.
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> done_elsewhere_{0};
  std::atomic<std::uint64_t> released_{0};
  std::jthread thread_;
};

}  // namespace sluice::detail
