// Keeps a worker's leases: every third of the lease, the entries it has in work are renewed
// (XCLAIM ... JUSTID resets their idle time) with their job-wide host leases, on a thread
// and connection of their own, so that a feeder waiting for a host lease or a reserved
// start never lets them lapse.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "worker/entries_in_work.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_url.hpp"

namespace sluice::detail {

// Thread-safety: none needed; its thread is its own. Lifetime: renews from construction
// until destruction, which stops and joins the thread; `keys` and `in_work` must outlive it.
class LeaseKeeper {
 public:
  // `on_failure` hears, on the keeper's thread, that Redis stayed unreachable past the
  // reconnects' patience; the keeper then stops.
  LeaseKeeper(const RedisUrl& url, const JobKeys& keys, std::string consumer,
              std::chrono::milliseconds lease, const EntriesInWork& in_work,
              std::function<void(const std::string&)> on_failure);

 private:
  void renew_until(std::stop_token stop);

  const RedisUrl url_;
  const JobKeys& keys_;
  const std::string consumer_;
  const std::chrono::milliseconds lease_;
  const EntriesInWork& in_work_;
  std::function<void(const std::string&)> on_failure_;
  std::jthread thread_;  // last: starts once the rest is set
};

}  // namespace sluice::detail
