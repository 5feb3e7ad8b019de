// The worker's way in: entries read from the job's stream in its consumer group (new ones,
// and those a dead worker left idle past the lease), fed to admission as input items; and
// the end of the job noticed. LeaseKeeper renews what it took.
#pragma once

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>

#include "admission/admission.hpp"
#include "worker/entries_in_work.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

struct FeederSettings {
  std::string consumer;
  std::chrono::milliseconds lease;
  std::size_t most_in_work;      // entries taken ahead of the engine: about twice -c
  double job_rate = 0;           // starts per second for the whole job (JobRate); 0: none
  std::size_t job_per_host = 0;  // requests per host for the whole job (JobHostLeases); 0: none
};

// Feeds `admission` until the job is done (no submit still adding, a record for every
// entry, nothing in work here), `stop` is requested, or Redis fails; then closes
// admission. Returns the failure, if one ended it. Runs on the caller's thread.
std::optional<std::string> feed_entries(RedisLink& link, const JobKeys& keys,
                                        const FeederSettings& settings, Admission& admission,
                                        EntriesInWork& in_work, std::stop_token stop);

}  // namespace sluice::detail
