// The folders of watch mode and the moves between them: a list file is claimed from INBOX
// into INBOX/.active, fetched into OUTBOX/.KEY.jsonl.part, and ends in INBOX/.done or
// INBOX/.failed; every state is a place on disk, so a restart knows where each job stood.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::detail {

// What claim() did with a name in INBOX.
struct Claim {
  enum class Status {
    Claimed,  // the list is .active/KEY
    Gone,     // no file of that name any more (claimed already)
    Failed,   // it cannot be claimed: moved to .failed/KEY beside KEY.reason if it could be
  };
  Status status = Status::Gone;
  std::string key;     // Claimed: the job's KEY; Failed: the name in .failed
  std::string reason;  // Failed: why, one line
};

// A job's KEY is its file's name, or NAME.2, NAME.3, ... when a file of that name was
// already taken: two files with the same name dropped one after the other are both
// fetched and both results kept (OUTBOX/NAME.jsonl, OUTBOX/NAME.2.jsonl). A name too long
// for the names derived from it (see job_key) is shortened first.
//
// Thread-safety: the methods touch only the file system and may be called from any
// thread, but claim() must be called from one thread at a time (it picks a free KEY).
// Lifetime: a plain value holding two paths.
class JobFolders {
 public:
  // Checks that INBOX is a directory and creates its .active, .done and .failed folders
  // and OUTBOX. Throws UsageError naming the folder that cannot be used.
  JobFolders(std::filesystem::path inbox, std::filesystem::path outbox);

  // Moves INBOX/NAME to .active/KEY with the first free KEY. Gone when NAME is no longer
  // there (already claimed: the initial listing and an event may both name a file). Only
  // an existing file makes a KEY taken; any other error, or no free KEY among the first
  // kMaxSameName, fails the file with the reason.
  Claim claim(const std::string& name) const;
  // The jobs an earlier run left unfinished, by KEY in name order.
  std::vector<std::string> active_keys() const;

  std::filesystem::path list_file(const std::string& key) const;        // INBOX/.active/KEY
  std::filesystem::path partial_results(const std::string& key) const;  // OUTBOX/.KEY.jsonl.part
  std::filesystem::path results(const std::string& key) const;          // OUTBOX/KEY.jsonl
  std::filesystem::path summary(const std::string& key) const;          // OUTBOX/KEY.summary.json

  // Writes the summary under a temporary name, renames it and the results to their final
  // names, then moves the list to .done/KEY. Returns what failed, or an empty string.
  std::string finish(const std::string& key, const std::string& summary_json) const;
  // Whether an earlier run finished KEY's results but stopped before moving its list.
  bool results_complete(const std::string& key) const;
  // Moves the list to .done/KEY (after results_complete()).
  void retire(const std::string& key) const;
  // Moves the list to .failed/KEY beside KEY.reason, which holds `reason` and a newline.
  // retire() and fail() report nothing: a list they cannot move stays in .active, where
  // the next start finds it again.
  void fail(const std::string& key, const std::string& reason) const;
  // Whether OUTBOX has room for `bytes` more (space and quota), found by reserving them
  // in a scratch file that is removed at once.
  bool outbox_has_room(std::size_t bytes) const;

 private:
  // True when a file of KEY's names exists; the error when one cannot be looked at.
  std::expected<bool, std::string> key_taken(const std::string& key) const;
  Claim fail_claim(const std::string& name, const std::string& key, std::string reason) const;

  std::filesystem::path inbox_;
  std::filesystem::path outbox_;
};

// The most files of one name at once: NAME.2 ... NAME.1000, then the file fails.
inline constexpr int kMaxSameName = 1000;

// The KEY for a list named `name`: the name itself when every name derived from it fits in
// NAME_MAX (the longest is OUTBOX/.KEY.summary.json.part, and KEY may gain ".1000"); else
// a prefix of it cut on a UTF-8 boundary, '-', 12 hex digits of a hash of the whole name,
// and its extension (up to 16 bytes), so that different long names get different keys.
std::string job_key(const std::string& name);

// True for names watch mode leaves alone until they are renamed: hidden ones (".x", which
// also covers the .active, .done and .failed folders) and temporary ones ("*.tmp", "*.part").
bool is_ignored_name(const std::string& name);

}  // namespace sluice::detail
