// Watch mode's folders: claiming a list file, finishing and failing a job, all by renames.
#include "watch/job_folders.hpp"

#include <fcntl.h>
#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <system_error>

#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

namespace fs = std::filesystem;

// A later KEY than this for one name means something is wrong (a loop), not a real need.
constexpr int kMaxSameName = 100'000;

void create_folder(const fs::path& path, const std::string& what) {
  std::error_code error;
  fs::create_directories(path, error);
  if (error || !fs::is_directory(path)) {
    throw UsageError("cannot use " + what + " '" + path.string() +
                     "': " + (error ? error.message() : "not a directory"));
  }
}

bool present(const fs::path& path) {
  std::error_code error;
  return fs::symlink_status(path, error).type() != fs::file_type::not_found;
}

std::string rename_error(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (!error) return {};
  return "cannot move '" + from.string() + "' to '" + to.string() + "': " + error.message();
}

}  // namespace

bool is_ignored_name(const std::string& name) {
  return name.empty() || name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part");
}

JobFolders::JobFolders(fs::path inbox, fs::path outbox)
    : inbox_(std::move(inbox)), outbox_(std::move(outbox)) {
  std::error_code error;
  if (!fs::is_directory(inbox_, error)) {
    throw UsageError("INBOX '" + inbox_.string() + "' is not a directory" +
                     (error ? ": " + error.message() : ""));
  }
  create_folder(inbox_ / ".active", "folder");
  create_folder(inbox_ / ".done", "folder");
  create_folder(inbox_ / ".failed", "folder");
  create_folder(outbox_, "OUTBOX");
}

fs::path JobFolders::list_file(const std::string& key) const { return inbox_ / ".active" / key; }
fs::path JobFolders::partial_results(const std::string& key) const {
  return outbox_ / ("." + key + ".jsonl.part");
}
fs::path JobFolders::results(const std::string& key) const { return outbox_ / (key + ".jsonl"); }
fs::path JobFolders::summary(const std::string& key) const {
  return outbox_ / (key + ".summary.json");
}

bool JobFolders::key_taken(const std::string& key) const {
  return present(list_file(key)) || present(inbox_ / ".done" / key) ||
         present(inbox_ / ".failed" / key) || present(results(key)) ||
         present(partial_results(key));
}

std::optional<std::string> JobFolders::claim(const std::string& name) const {
  const fs::path from = inbox_ / name;
  for (int n = 1; n <= kMaxSameName; ++n) {
    const std::string key = n == 1 ? name : name + "." + std::to_string(n);
    if (key_taken(key)) continue;
    // NOREPLACE: a list must never overwrite another, whatever else renames into .active.
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, list_file(key).c_str(), RENAME_NOREPLACE) ==
        0) {
      return key;
    }
    if (errno != EEXIST) return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::string> JobFolders::active_keys() const {
  std::vector<std::string> keys;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(inbox_ / ".active", error)) {
    keys.push_back(entry.path().filename().string());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::string JobFolders::finish(const std::string& key, const std::string& summary_json) const {
  const fs::path summary_part = outbox_ / ("." + key + ".summary.json.part");
  {
    std::ofstream out(summary_part, std::ios::trunc);
    out << summary_json << std::flush;
    if (!out) return "cannot write '" + summary_part.string() + "'";
  }
  // The results first: a summary beside them says they are complete.
  if (auto error = rename_error(partial_results(key), results(key)); !error.empty()) return error;
  if (auto error = rename_error(summary_part, summary(key)); !error.empty()) return error;
  return rename_error(list_file(key), inbox_ / ".done" / key);
}

bool JobFolders::results_complete(const std::string& key) const {
  return present(results(key)) && !present(partial_results(key));
}

void JobFolders::retire(const std::string& key) const {
  rename_error(list_file(key), inbox_ / ".done" / key);
}

void JobFolders::fail(const std::string& key, const std::string& reason) const {
  std::ofstream(inbox_ / ".failed" / (key + ".reason"), std::ios::trunc) << reason << '\n';
  std::error_code ignored;
  fs::remove(partial_results(key), ignored);
  rename_error(list_file(key), inbox_ / ".failed" / key);
}

}  // namespace sluice::detail
