// A job-wide --per-host: each request to a host holds one of N leases in Redis (a sorted set
// per host, members scored by their expiry), so that all workers together have at most N
// requests to it in work; a dead worker's leases expire with its entries' lease.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "worker/entries_in_work.hpp"
#include "worker/job_keys.hpp"
#include "worker/redis_link.hpp"

namespace sluice::detail {

// The member an entry in work holds in its host's set: one per taking of the entry, so that
// an entry a worker took twice (its record still on the way when a claim took it back)
// holds two leases, and the first record's script gives back only the first.
std::string host_lease_member(const std::string& consumer, const EntryInWork& entry);

// One script call that extends, by `lease`, the host leases `entries` hold; nullopt when they
// hold none.
std::optional<RedisCommand> host_lease_renewal(const std::vector<EntryInWork>& entries,
                                               const std::string& consumer,
                                               std::chrono::milliseconds lease);

// A lease of `host` for `entry`.
struct HostLeaseWanted {
  std::string host;
  EntryInWork entry;
};

// Thread-safety: none; the feeder's. Lifetime: uses `link` and `keys` for its own.
class JobHostLeases {
 public:
  JobHostLeases(RedisLink& link, const JobKeys& keys, std::string consumer, std::size_t per_host,
                std::chrono::milliseconds lease);

  // One try per wanted lease, all in one round trip: whether each took a free lease of its
  // host. Safe to send again after a reconnect (an entry holding its lease keeps it). An
  // entry is in work here from its lease until its record is written, retries included, so
  // the cap also bounds requests in flight.
  std::expected<std::vector<bool>, RedisFailure> try_acquire(
      const std::vector<HostLeaseWanted>& wanted, std::stop_token stop);
  std::string key(const std::string& host) const { return keys_.hosts + host; }

 private:
  RedisLink& link_;
  const JobKeys& keys_;
  const std::string consumer_;
  const std::string per_host_;
  const std::string lease_ms_;
};

}  // namespace sluice::detail
