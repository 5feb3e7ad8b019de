// The entries in work, under one mutex.
#include "worker/entries_in_work.hpp"

namespace sluice::detail {

std::optional<std::uint64_t> EntriesInWork::add(std::string entry_id) {
  const std::lock_guard lock(mutex_);
  if (!ids_.insert(entry_id).second) return std::nullopt;
  const auto index = next_index_++;
  entries_.emplace(index, EntryInWork{.id = std::move(entry_id), .index = index, .host_lease = {}});
  return index;
}

void EntriesInWork::set_host_lease(std::uint64_t index, std::string key) {
  const std::lock_guard lock(mutex_);
  if (const auto found = entries_.find(index); found != entries_.end()) {
    found->second.host_lease = std::move(key);
  }
}

std::optional<EntryInWork> EntriesInWork::take(std::uint64_t index) {
  std::optional<EntryInWork> id;
  {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(index);
    if (found == entries_.end()) return std::nullopt;
    id = std::move(found->second);
    entries_.erase(found);
    ids_.erase(id->id);
  }
  taken_.notify_all();
  return id;
}

std::vector<EntryInWork> EntriesInWork::entries() const {
  const std::lock_guard lock(mutex_);
  std::vector<EntryInWork> ids;
  ids.reserve(entries_.size());
  for (const auto& entry : entries_) ids.push_back(entry.second);
  return ids;
}

std::size_t EntriesInWork::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

void EntriesInWork::wait_for_room(std::size_t most, std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  taken_.wait_for(lock, limit, [&] { return entries_.size() < most; });
}

}  // namespace sluice::detail
