// `sluice status`: how far a job is, from its meta hash, streams and consumer group.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <utility>
#include <vector>

#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

struct JobStatus {
  std::uint64_t submitted = 0;
  bool open = false;          // a submit is still adding entries
  std::uint64_t done = 0;     // records written
  std::uint64_t failed = 0;   // of which failures
  std::uint64_t waiting = 0;  // submitted, not yet taken by a worker (the group's lag)
  std::uint64_t pending = 0;  // taken, no record yet
  std::vector<std::pair<std::string, std::uint64_t>> pending_by_consumer;
  double rate_per_s = 0;  // records per second over the latest 100 (0: too few)
};

// One round trip. The error is one line: Redis unreachable, or no such job.
std::expected<JobStatus, std::string> job_status(RedisLink& link, const JobKeys& keys,
                                                 const std::string& job);
// A few lines of text, ending in '\n'.
std::string format_job_status(const JobStatus& status);

}  // namespace sluice::detail
