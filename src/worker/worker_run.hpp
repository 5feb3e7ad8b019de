// `sluice worker`: one consumer of a job, on the same run core (admission and engine) as a
// local run, fed from the job's stream and writing its records back to Redis.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "engines/run_resources.hpp"
#include "limit/bandwidth_share.hpp"
#include "sluice/fetcher.hpp"
#include "sluice/options.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"
#include "worker/redis_url.hpp"

namespace sluice::detail {

struct WorkerSettings {
  RedisUrl redis;
  std::string job;
  std::string consumer;  // the worker's name in the group; unique per live worker
  // An entry whose worker has not renewed it for this long is taken by another worker.
  std::chrono::milliseconds lease = std::chrono::seconds(30);
};

struct WorkerReport {
  std::uint64_t records = 0;           // final records this worker made
  std::uint64_t ok = 0;                // of which ok
  std::uint64_t written = 0;           // written to the results stream with their entry acked
  std::uint64_t done_elsewhere = 0;    // dropped: another worker had written the entry's record
  std::uint64_t released = 0;          // handed back without a record (a stop cancelled them)
  std::optional<std::string> failure;  // Redis lost for good, or the job deleted midway
};

// Not thread-safe; run() is called once.
class WorkerRun {
 public:
  // Checks the options as a fetch run does, connects and finds the job. Throws UsageError
  // naming the first problem: an option, Redis unreachable or refusing (a wrong password),
  // no such job.
  WorkerRun(Options options, WorkerSettings settings);

  // Runs until the job is done, `control` stops it (reading ends; URLs not started go back
  // to the job for other workers, transfers in flight get the grace and their records), or
  // Redis stays unreachable past the reconnects' patience.
  WorkerReport run(RunControl control, LiveCounters& live);

 private:
  bool job_wide_bandwidth() const noexcept;

  Options options_;
  WorkerSettings settings_;
  JobKeys keys_;
  // A fixed --max-bandwidth is the job's: the run follows this worker's share of it
  // (JobBandwidth sets it); resources_ point at it.
  BandwidthShare bandwidth_share_;
  RunResources resources_;
  RedisLink link_;  // the feeder's: reads, claims, renewals
};

}  // namespace sluice::detail
