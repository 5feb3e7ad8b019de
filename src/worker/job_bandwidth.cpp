// The heartbeat in Lua, on the server's clock (TIME), so that workers' clocks need not agree.
#include "worker/job_bandwidth.hpp"

#include <algorithm>

#include "worker/redis_link.hpp"
#include "worker/stoppable_sleep.hpp"

namespace sluice::detail {
namespace {

// KEYS: the job's bandwidth set. ARGV: heartbeat in ms, member. Returns the live members,
// this one included.
constexpr const char* kHeartbeatScript = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local heartbeat = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + heartbeat, ARGV[2])
redis.call('PEXPIRE', KEYS[1], 2 * heartbeat)
return redis.call('ZCARD', KEYS[1])
)lua";

// Between registering and taking a first share: a period and a fifth, so that every worker
// renewing on time has read the count since.
constexpr auto kJoinWait = JobBandwidth::kPeriod * 6 / 5;

}  // namespace

JobBandwidth::JobBandwidth(const RedisUrl& url, const JobKeys& keys, std::string consumer,
                           double job_bytes_per_second, BandwidthShare& share,
                           std::function<void(const std::string&)> on_failure)
    : url_(url),
      keys_(keys),
      consumer_(std::move(consumer)),
      job_rate_(job_bytes_per_second),
      share_(share),
      on_failure_(std::move(on_failure)),
      thread_([this](std::stop_token stop) { keep(stop); }) {}

JobBandwidth::~JobBandwidth() {
  thread_.request_stop();
  thread_.join();
}

void JobBandwidth::wait_for_first_share(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  first_set_.wait(lock, stop, [this] { return first_done_; });
}

void JobBandwidth::first_share_done() {
  {
    const std::lock_guard lock(mutex_);
    first_done_ = true;
  }
  first_set_.notify_all();
}

void JobBandwidth::keep(std::stop_token stop) {
  RedisLink link = RedisLink::lazy(url_, {});
  const RedisCommand heartbeat{
      "EVAL",   kHeartbeatScript, "1", keys_.bandwidth, std::to_string(kHeartbeat.count()),
      consumer_};
  bool registered = false;  // the first heartbeat is in: from the next, a share
  for (;;) {
    // A repeat after a lost connection only renews the same member again.
    auto live = link.call_retrying(heartbeat, stop);
    if (!live && stop.stop_requested()) break;
    if (!live || live->is_error()) {
      on_failure_(live ? live->text : live.error().message);
      first_share_done();
      return;
    }
    if (registered) {
      share_.set(job_rate_ / static_cast<double>(std::max<long long>(1, live->integer)));
      first_share_done();
    }
    const auto wait = registered ? kPeriod : kJoinWait;
    registered = true;
    if (!sleep_unless_stopped(wait, stop)) break;
  }
  // Out of the count at once, so that the others' shares grow at their next read rather
  // than when this heartbeat expires; not retried: the expiry does the same later.
  (void)link.call({"ZREM", keys_.bandwidth, consumer_});
}

}  // namespace sluice::detail
