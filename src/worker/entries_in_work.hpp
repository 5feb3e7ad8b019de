// The entries a worker has taken from its job and not yet finished: what its lease renewals
// cover, and how a record finds its entry again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sluice::detail {

struct EntryInWork {
  std::string id;
  std::uint64_t index = 0;  // its item's: unique in this worker, also for an entry taken again
  std::string host_lease;   // the key of the job-wide --per-host lease it holds; empty: none
};

// The entries this worker has taken and not yet finished, by their items' index; an entry
// is in work here at most once.
// Thread-safety: every member from any thread.
class EntriesInWork {
 public:
  // The index for its item; nullopt when the entry is in work here already (a claim took
  // back an entry of this worker's own, whose renewal came late).
  std::optional<std::uint64_t> add(std::string entry_id);
  void set_host_lease(std::uint64_t index, std::string key);
  std::optional<EntryInWork> take(std::uint64_t index);
  std::vector<EntryInWork> entries() const;
  std::size_t size() const;
  // Waits until fewer than `most` are in work, for up to `limit`.
  void wait_for_room(std::size_t most, std::chrono::milliseconds limit);

 private:
  mutable std::mutex mutex_;
  std::condition_variable taken_;                 // guarded by mutex_
  std::map<std::uint64_t, EntryInWork> entries_;  // guarded by mutex_
  std::set<std::string, std::less<>> ids_;        // guarded by mutex_: the ids in entries_
  std::uint64_t next_index_ = 0;                  // guarded by mutex_
};

}  // namespace sluice::detail
