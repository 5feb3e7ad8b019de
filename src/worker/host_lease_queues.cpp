// The per-host queues, and their tries gathered into one pipelined call per round.
#include "worker/host_lease_queues.hpp"

#include <algorithm>
#include <utility>

namespace sluice::detail {

HostLeaseQueues::HostLeaseQueues(JobHostLeases& hosts, std::size_t per_host)
    : hosts_(hosts), per_host_(per_host) {}

void HostLeaseQueues::add(TakenEntry entry) {
  auto& queue = queues_[entry.item.host];
  queue.entries.push_back(std::move(entry));
}

std::expected<std::vector<TakenEntry>, RedisFailure> HostLeaseQueues::take_leased(
    std::stop_token stop) {
  std::vector<HostLeaseWanted> wanted;
  std::vector<std::size_t> tries;  // per queue, in the map's order: how many it sent
  for (const auto& [host, queue] : queues_) {
    const std::size_t count = std::min(queue.at_cap ? 1 : per_host_, queue.entries.size());
    for (std::size_t i = 0; i < count; ++i) {
      const auto& entry = queue.entries[i];
      wanted.push_back(
          {.host = host,
           .entry = EntryInWork{.id = entry.id, .index = entry.item.index, .host_lease = {}}});
    }
    tries.push_back(count);
  }
  auto taken = hosts_.try_acquire(wanted, stop);
  if (!taken) return std::unexpected(taken.error());
  std::vector<TakenEntry> leased;
  std::size_t next = 0;
  auto tried = tries.begin();
  for (auto queue = queues_.begin(); queue != queues_.end(); ++tried) {
    auto& entries = queue->second.entries;
    // A try may fail and a later one of the same host succeed (a lease expired in between):
    // each entry that holds a lease goes, whatever its place; the others close up in order.
    std::size_t kept = 0;
    queue->second.at_cap = false;
    for (std::size_t i = 0; i < *tried; ++i, ++next) {
      if ((*taken)[next]) {
        leased.push_back(std::move(entries[i]));
      } else {
        if (kept != i) entries[kept] = std::move(entries[i]);
        ++kept;
        queue->second.at_cap = true;
      }
    }
    entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(kept),
                  entries.begin() + static_cast<std::ptrdiff_t>(*tried));
    queue = entries.empty() ? queues_.erase(queue) : std::next(queue);
  }
  return leased;
}

}  // namespace sluice::detail
