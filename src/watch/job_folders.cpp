// Watch mode's folders: claiming a list file, finishing and failing a job, all by renames.
#include "watch/job_folders.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string_view>
#include <system_error>

#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

namespace fs = std::filesystem;

// The names derived from a KEY, past the KEY itself (.active/KEY, .done/KEY, .failed/KEY).
constexpr std::string_view kPartialSuffix = ".jsonl.part";  // after a leading '.'
constexpr std::string_view kResultsSuffix = ".jsonl";
constexpr std::string_view kSummarySuffix = ".summary.json";
constexpr std::string_view kSummaryPartSuffix = ".summary.json.part";  // after a leading '.'
constexpr std::string_view kReasonSuffix = ".reason";
// A resume rewrites the partial results through PrunedCopy's FILE.kept.
constexpr std::string_view kPrunedCopySuffix = ".kept";

constexpr std::size_t kLongestDerived =
    std::max({1 + kPartialSuffix.size() + kPrunedCopySuffix.size(), kResultsSuffix.size(),
              kSummarySuffix.size(), 1 + kSummaryPartSuffix.size(), kReasonSuffix.size()});
static_assert(kMaxSameName < 10'000);
constexpr std::size_t kSameNameSuffix = 5;  // ".1000"
// The longest name a list keeps as its KEY.
constexpr std::size_t kKeyBudget = NAME_MAX - kLongestDerived - kSameNameSuffix;
constexpr std::size_t kHashDigits = 12;
constexpr std::size_t kMaxExtension = 16;  // with its dot

// FNV-1a: stable across builds and runs, unlike std::hash, so a name keeps its KEY.
std::string hash_digits(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string digits(kHashDigits, '0');
  for (auto digit = digits.rbegin(); digit != digits.rend(); ++digit, hash >>= 4) {
    *digit = kHex[hash & 0xf];
  }
  return digits;
}

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

std::expected<bool, std::string> name_exists(const fs::path& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) == 0) return true;
  if (errno == ENOENT) return false;
  return std::unexpected("cannot look at '" + path.string() + "': " + std::strerror(errno));
}

std::string rename_error(const fs::path& from, const fs::path& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (!error) return {};
  return "cannot move '" + from.string() + "' to '" + to.string() + "': " + error.message();
}

}  // namespace

std::string job_key(const std::string& name) {
  if (name.size() <= kKeyBudget) return name;
  std::string extension;
  const auto dot = name.rfind('.');
  if (dot != std::string::npos && dot > 0 && name.size() - dot <= kMaxExtension) {
    extension = name.substr(dot);
  }
  std::size_t prefix = kKeyBudget - 1 - kHashDigits - extension.size();
  // Back to the first byte of a UTF-8 sequence (at most 3 continuation bytes follow one).
  for (int back = 0; back < 3 && (static_cast<unsigned char>(name[prefix]) & 0xC0) == 0x80;
       ++back) {
    --prefix;
  }
  return name.substr(0, prefix) + "-" + hash_digits(name) + extension;
}

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
  return outbox_ / ("." + key + std::string(kPartialSuffix));
}
fs::path JobFolders::results(const std::string& key) const {
  return outbox_ / (key + std::string(kResultsSuffix));
}
fs::path JobFolders::summary(const std::string& key) const {
  return outbox_ / (key + std::string(kSummarySuffix));
}

std::expected<bool, std::string> JobFolders::key_taken(const std::string& key) const {
  for (const auto& path : {list_file(key), inbox_ / ".done" / key, inbox_ / ".failed" / key,
                           results(key), partial_results(key)}) {
    const auto found = name_exists(path);
    if (!found || *found) return found;
  }
  return false;
}

Claim JobFolders::claim(const std::string& name) const {
  const fs::path from = inbox_ / name;
  const std::string base = job_key(name);
  for (int n = 1; n <= kMaxSameName; ++n) {
    const std::string key = n == 1 ? base : base + "." + std::to_string(n);
    const auto taken = key_taken(key);
    if (!taken) return fail_claim(name, base, taken.error());
    if (*taken) continue;
    // NOREPLACE: a list must never overwrite another, whatever else renames into .active.
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, list_file(key).c_str(), RENAME_NOREPLACE) ==
        0) {
      return Claim{.status = Claim::Status::Claimed, .key = key, .reason = {}};
    }
    if (errno == ENOENT) return Claim{};
    if (errno != EEXIST) {
      return fail_claim(
          name, base,
          "cannot move it to '" + list_file(key).string() + "': " + std::strerror(errno));
    }
  }
  return fail_claim(name, base,
                    "the names '" + base + "' to '" + base + "." + std::to_string(kMaxSameName) +
                        "' are all taken");
}

Claim JobFolders::fail_claim(const std::string& name, const std::string& key,
                             std::string reason) const {
  const fs::path failed = inbox_ / ".failed" / key;
  if (::renameat2(AT_FDCWD, (inbox_ / name).c_str(), AT_FDCWD, failed.c_str(), RENAME_NOREPLACE) ==
      0) {
    std::ofstream(inbox_ / ".failed" / (key + std::string(kReasonSuffix)), std::ios::trunc)
        << reason << '\n';
    return Claim{.status = Claim::Status::Failed, .key = key, .reason = std::move(reason)};
  }
  if (errno == ENOENT) return Claim{};
  reason += "; it stays in INBOX (cannot move it to '" + failed.string() +
            "': " + std::strerror(errno) + ")";
  return Claim{.status = Claim::Status::Failed, .key = name, .reason = std::move(reason)};
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
  const fs::path summary_part = outbox_ / ("." + key + std::string(kSummaryPartSuffix));
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
  std::ofstream(inbox_ / ".failed" / (key + std::string(kReasonSuffix)), std::ios::trunc)
      << reason << '\n';
  std::error_code ignored;
  fs::remove(partial_results(key), ignored);
  rename_error(list_file(key), inbox_ / ".failed" / key);
}

bool JobFolders::outbox_has_room(std::size_t bytes) const {
  const fs::path probe = outbox_ / ".sluice-room.tmp";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool room = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes)) == 0;
  ::close(fd);
  ::unlink(probe.c_str());
  return room;
}

}  // namespace sluice::detail
