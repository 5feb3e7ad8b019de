// Host leases: acquire and renew in Lua, on the server's clock (TIME), so that workers'
// clocks need not agree; released by the script that writes the entry's record.
#include "worker/job_hosts.hpp"

namespace sluice::detail {
namespace {

// KEYS: the host's set. ARGV: cap, lease in ms, member. 1 when the member holds a lease.
constexpr const char* kAcquireScript = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local lease = tonumber(ARGV[2])
-- The member present already: this call sent again after a reconnect.
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
redis.call('PEXPIRE', KEYS[1], 2 * lease)
return 1
)lua";

// KEYS: one host set per lease. ARGV: lease in ms, then one member per key.
constexpr const char* kRenewScript = R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + lease, ARGV[i + 1])
  redis.call('PEXPIRE', key, 2 * lease)
end
return 1
)lua";

}  // namespace

std::string host_lease_member(const std::string& consumer, const EntryInWork& entry) {
  return consumer + " " + entry.id + " " + std::to_string(entry.index);
}

JobHostLeases::JobHostLeases(RedisLink& link, const JobKeys& keys, std::string consumer,
                             std::size_t per_host, std::chrono::milliseconds lease)
    : link_(link),
      keys_(keys),
      consumer_(std::move(consumer)),
      per_host_(std::to_string(per_host)),
      lease_ms_(std::to_string(lease.count())) {}

std::expected<std::vector<bool>, RedisFailure> JobHostLeases::try_acquire(
    const std::vector<HostLeaseWanted>& wanted, std::stop_token stop) {
  if (wanted.empty()) return std::vector<bool>{};
  std::vector<RedisCommand> commands;
  commands.reserve(wanted.size());
  for (const auto& one : wanted) {
    commands.push_back({"EVAL", kAcquireScript, "1", key(one.host), per_host_, lease_ms_,
                        host_lease_member(consumer_, one.entry)});
  }
  auto replies = link_.pipeline_retrying(commands, stop);
  if (!replies) return std::unexpected(replies.error());
  std::vector<bool> taken;
  taken.reserve(replies->size());
  for (const auto& reply : *replies) {
    if (reply.is_error()) {
      return std::unexpected(
          RedisFailure{.kind = RedisFailure::Kind::Refused, .message = reply.text});
    }
    taken.push_back(reply.integer == 1);
  }
  return taken;
}

std::optional<RedisCommand> host_lease_renewal(const std::vector<EntryInWork>& entries,
                                               const std::string& consumer,
                                               std::chrono::milliseconds lease) {
  std::vector<const EntryInWork*> holding;
  for (const auto& entry : entries) {
    if (!entry.host_lease.empty()) holding.push_back(&entry);
  }
  if (holding.empty()) return std::nullopt;
  RedisCommand command{"EVAL", kRenewScript, std::to_string(holding.size())};
  for (const auto* entry : holding) command.push_back(entry->host_lease);
  command.push_back(std::to_string(lease.count()));
  for (const auto* entry : holding) command.push_back(host_lease_member(consumer, *entry));
  return command;
}

}  // namespace sluice::detail
