// A job-wide --max-bandwidth: each live worker of the job keeps a heartbeat in one sorted set
// in Redis (members scored by their expiry), and takes the cap divided by the live workers as
// its share, read again every period; a dead worker's heartbeat expires and its share returns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "limit/bandwidth_share.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_url.hpp"

namespace sluice::detail {

// Thread-safety: wait_for_first_share() from one thread; the rest is the keeper's own
// thread. Lifetime: keeps the heartbeat from construction until destruction, which stops the
// thread and takes the heartbeat out (the others' shares grow at their next read); `keys` and
// `share` must outlive it.
class JobBandwidth {
 public:
  // How often a worker renews its heartbeat and reads the count again.
  static constexpr std::chrono::milliseconds kPeriod{500};
  // How long a heartbeat lives unrenewed: four periods, so that a keeper thread the machine
  // holds off for a while does not drop out of the count (which would let the others take
  // its share while it still uses it).
  static constexpr std::chrono::milliseconds kHeartbeat{4 * kPeriod};

  // `on_failure` hears, on the keeper's thread, that Redis stayed unreachable past the
  // reconnects' patience; the keeper then stops and the share stays as it was.
  JobBandwidth(const RedisUrl& url, const JobKeys& keys, std::string consumer,
               double job_bytes_per_second, BandwidthShare& share,
               std::function<void(const std::string&)> on_failure);
  ~JobBandwidth();
  JobBandwidth(const JobBandwidth&) = delete;
  JobBandwidth& operator=(const JobBandwidth&) = delete;

  // Returns once the first share is set: the worker has registered and then waited a period
  // longer than kPeriod, so that the workers already running have counted it and lowered
  // their shares before it takes its own. Returns early when `stop` is requested or the
  // keeper failed.
  void wait_for_first_share(std::stop_token stop);

 private:
  void keep(std::stop_token stop);
  void first_share_done();

  const RedisUrl url_;
  const JobKeys& keys_;
  const std::string consumer_;
  const double job_rate_;
  BandwidthShare& share_;
  std::function<void(const std::string&)> on_failure_;
  std::mutex mutex_;
  std::condition_variable_any first_set_;
  bool first_done_ = false;  // guarded by mutex_
  std::jthread thread_;      // last: starts once the rest is set
};

}  // namespace sluice::detail
