// Saving one response body under the output directory: a safe file name per URL, written to a
// hidden temporary and renamed into place, so no half-written file ever has the final name.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::detail {

// "<readable part>-<16 lowercase hex digits of the 64-bit FNV-1a of the whole url>". The
// readable part is the URL without its scheme, every byte outside [A-Za-z0-9._-] made '_', cut
// to 100 bytes, a leading '.' made '_', and "index" when empty. The result is deterministic, at
// most 117 bytes, never contains '/', never starts with '.'.
std::string body_file_name(std::string_view url);

// One body being saved. Not thread-safe. Movable, not copyable. Until commit() succeeds the
// bytes live in "<dir>/.<name>.part-<slot>", which the destructor removes; it never throws.
// `slot` tells apart two bodies of the same URL saved at the same time, so no other body
// being saved into `dir` may use it; reusing slot numbers from run to run lets a run
// replace what a crashed one left.
class BodyFile {
 public:
  // Creates the temporary without following symlinks; one left by a crashed run is replaced.
  static std::expected<BodyFile, std::string> create(const std::filesystem::path& dir,
                                                     std::string_view url, std::uint64_t slot);

  BodyFile(BodyFile&& other) noexcept;
  BodyFile& operator=(BodyFile&& other) noexcept;
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;
  ~BodyFile();

  // Small pieces are gathered into 16 KiB before they reach the kernel.
  std::expected<void, std::string> write(std::span<const char> data);
  // Flushes, closes and renames to "<dir>/<name>", replacing any file of that name; returns
  // that path. Call at most once; on failure the temporary is still removed by the destructor.
  std::expected<std::filesystem::path, std::string> commit();

 private:
  BodyFile(int fd, std::filesystem::path temporary, std::filesystem::path final_path);

  std::expected<void, std::string> write_all(std::span<const char> data);
  std::expected<void, std::string> flush();
  void abandon() noexcept;

  int fd_ = -1;                      // -1 once closed (or moved from)
  std::filesystem::path temporary_;  // empty once committed (or moved from)
  std::filesystem::path final_path_;
  std::vector<char> buffer_;  // grows with small writes, up to kBufferSize
};

}  // namespace sluice::detail
