// The Redis keys of one job. All carry the job's name as a hash tag ({NAME}), so that a
// Redis Cluster keeps a job on one shard and its Lua scripts may touch all of them.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace sluice::detail {

struct JobKeys {
  std::string requests;   // stream: one entry per URL submitted
  std::string results;    // stream: one entry per final record
  std::string meta;       // hash: submitted, open, failed
  std::string rate;       // string: the job-wide --rate's schedule (GCRA)
  std::string hosts;      // prefix of the job-wide --per-host leases (a sorted set per host)
  std::string bandwidth;  // sorted set: the workers sharing the job-wide --max-bandwidth
};

// The consumer group every worker of a job reads in.
inline constexpr std::string_view kWorkerGroup = "workers";

// Keys under "sluice:{NAME}:". The error says why NAME cannot be a job's name (empty,
// over 200 bytes, a brace, a control byte).
std::expected<JobKeys, std::string> job_keys(std::string_view name);

}  // namespace sluice::detail
