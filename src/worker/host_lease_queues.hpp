// Entries waiting for a lease of their host under a job-wide --per-host, one queue per host:
// a host at its cap holds back only its own entries, never those of other hosts behind them.
#pragma once

#include <cstddef>
#include <deque>
#include <expected>
#include <map>
#include <stop_token>
#include <string>
#include <vector>

#include "input/input_item.hpp"
#include "worker/job_hosts.hpp"

namespace sluice::detail {

// An entry's item, with the id of its entry, which its host lease is named after.
struct TakenEntry {
  InputItem item;
  std::string id;
};

// Thread-safety: none; the feeder's. Lifetime: uses `hosts` for its own.
class HostLeaseQueues {
 public:
  HostLeaseQueues(JobHostLeases& hosts, std::size_t per_host);

  // Queues `entry` (its item's host set) behind the others of its host.
  void add(TakenEntry entry);
  // One round, one round trip: tries a lease for the first entries of each host, up to the
  // cap, or only the first while the host was at its cap in the round before (one lease
  // frees at a time). Returns the entries that took one, in their hosts' order; the others
  // stay queued for the next round.
  std::expected<std::vector<TakenEntry>, RedisFailure> take_leased(std::stop_token stop);
  bool empty() const noexcept { return queues_.empty(); }

 private:
  struct HostQueue {
    std::deque<TakenEntry> entries;
    bool at_cap = false;  // a try failed in the last round
  };

  JobHostLeases& hosts_;
  const std::size_t per_host_;
  std::map<std::string, HostQueue> queues_;  // by host; none empty
};

}  // namespace sluice::detail
