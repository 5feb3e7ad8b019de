// The worker's way in: entries read from the job's stream in its consumer group (new ones,
// and those a dead worker left idle past the lease), fed to admission as input items; the
// leases of the entries still in work renewed; and the end of the job noticed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "admission/admission.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

// The entries this worker has taken and not yet finished, by their items' index.
// Thread-safety: every member from any thread.
class EntriesInWork {
 public:
  std::uint64_t add(std::string entry_id);  // the index for its item
  std::optional<std::string> take(std::uint64_t index);
  std::vector<std::string> ids() const;
  std::size_t size() const;
  // Waits until fewer than `most` are in work, for up to `limit`.
  void wait_for_room(std::size_t most, std::chrono::milliseconds limit);

 private:
  mutable std::mutex mutex_;
  std::condition_variable taken_;                 // guarded by mutex_
  std::map<std::uint64_t, std::string> entries_;  // guarded by mutex_
  std::uint64_t next_index_ = 0;                  // guarded by mutex_
};

struct FeederSettings {
  std::string consumer;
  std::chrono::milliseconds lease;
  std::size_t most_in_work;  // entries taken ahead of the engine: about twice -c
  double job_rate = 0;       // starts per second for the whole job (JobRate); 0: none
};

// Feeds `admission` until the job is done (no submit still adding, a record for every
// entry, nothing in work here), `stop` is requested, or Redis fails; then closes
// admission. Returns the failure, if one ended it. Runs on the caller's thread.
std::optional<std::string> feed_entries(RedisLink& link, const JobKeys& keys,
                                        const FeederSettings& settings, Admission& admission,
                                        EntriesInWork& in_work, std::stop_token stop);

}  // namespace sluice::detail
