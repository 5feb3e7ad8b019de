// The -o directory of a run, held open from the start: bodies are created, renamed and
// removed relative to it, so they land where the run started even if DIR is moved.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

namespace sluice::detail {

// Thread-safe: the descriptor is only read after open(), and the *at() calls that use it
// need no lock. Movable, not copyable; closes the descriptor when destroyed. Lifetime: the
// BodyFiles saved into it must not outlive it.
class OutputDir {
 public:
  // Opens the existing directory `path` (a symlink to one is followed, once, here); returns
  // the system's reason when it cannot.
  static std::expected<OutputDir, std::string> open(std::filesystem::path path);

  OutputDir(OutputDir&& other) noexcept;
  OutputDir& operator=(OutputDir&& other) noexcept;
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;
  ~OutputDir();

  // An O_PATH descriptor of the directory, for the *at() calls: it lists nothing itself.
  int fd() const noexcept { return fd_; }
  // The path as the user gave it: what records and messages show.
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  OutputDir(int fd, std::filesystem::path path) noexcept;

  int fd_ = -1;  // -1 once moved from
  std::filesystem::path path_;
};

}  // namespace sluice::detail
