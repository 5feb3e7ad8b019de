// GCRA in Lua: the theoretical arrival time of the next start, kept in one key per job.
#include "worker/job_rate.hpp"

#include <algorithm>

namespace sluice::detail {
namespace {

// KEYS: the job's rate key. ARGV: interval in µs, starts to reserve. Returns the µs from
// the server's now until the first reserved start. No burst: starts are spaced evenly, as a
// local --rate spaces them. The key expires a second after its schedule ends.
constexpr const char* kReserveScript = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local first = tat - now
tat = tat + tonumber(ARGV[1]) * tonumber(ARGV[2])
redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.floor((tat - now) / 1000) + 1000)
return first
)lua";

}  // namespace

JobRate::JobRate(RedisLink& link, const JobKeys& keys, double per_second)
    : link_(link),
      keys_(keys),
      interval_(std::max<std::int64_t>(1, static_cast<std::int64_t>(1e6 / per_second))) {}

std::size_t JobRate::batch() const noexcept {
  return static_cast<std::size_t>(
      std::max<std::int64_t>(1, std::chrono::microseconds(100'000) / interval_));
}

std::expected<std::chrono::steady_clock::time_point, RedisFailure> JobRate::reserve(
    std::size_t count, std::stop_token stop) {
  // EVAL, not EVALSHA: a restarted server has forgotten loaded scripts, and the script is
  // short beside the entries each call paces. Not repeated after a lost connection: a
  // repeat only reserves more, which slows the job and never speeds it.
  auto reply = link_.call_retrying({"EVAL", kReserveScript, "1", keys_.rate,
                                    std::to_string(interval_.count()), std::to_string(count)},
                                   stop);
  if (!reply) return std::unexpected(reply.error());
  if (reply->is_error()) {
    return std::unexpected(
        RedisFailure{.kind = RedisFailure::Kind::Refused, .message = reply->text});
  }
  return std::chrono::steady_clock::now() + std::chrono::microseconds(reply->integer);
}

}  // namespace sluice::detail
