// The folders of watch mode and the moves between them: a list file is claimed from INBOX
// into INBOX/.active, fetched into OUTBOX/.KEY.jsonl.part, and ends in INBOX/.done or
// INBOX/.failed; every state is a place on disk, so a restart knows where each job stood.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::detail {

// A job's KEY is its file's name, or NAME.2, NAME.3, ... when a file of that name was
// already taken: two files with the same name dropped one after the other are both
// fetched and both results kept (OUTBOX/NAME.jsonl, OUTBOX/NAME.2.jsonl).
//
// Thread-safety: the methods touch only the file system and may be called from any
// thread, but claim() must be called from one thread at a time (it picks a free KEY).
// Lifetime: a plain value holding two paths.
class JobFolders {
 public:
  // Checks that INBOX is a directory and creates its .active, .done and .failed folders
  // and OUTBOX. Throws UsageError naming the folder that cannot be used.
  JobFolders(std::filesystem::path inbox, std::filesystem::path outbox);

  // Moves INBOX/NAME to .active/KEY with the first free KEY and returns the KEY; nullopt
  // when NAME is no longer there (already claimed: the initial listing and an event may
  // both name a file) or cannot be moved.
  std::optional<std::string> claim(const std::string& name) const;
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

 private:
  bool key_taken(const std::string& key) const;

  std::filesystem::path inbox_;
  std::filesystem::path outbox_;
};

// True for names watch mode leaves alone until they are renamed: hidden ones (".x", which
// also covers the .active, .done and .failed folders) and temporary ones ("*.tmp", "*.part").
bool is_ignored_name(const std::string& name);

}  // namespace sluice::detail
