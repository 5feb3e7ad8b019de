// Saving one response body under the output directory: a safe file name per URL, written to a
// hidden temporary and renamed into place, so no half-written file ever has the final name.
// Every file is named relative to the run's open OutputDir, never by a path from the root, and
// no symlink is followed below it. A resumable body (--continue) is written to "<name>.part"
// instead, which a cut transfer leaves behind for the next attempt to go on from.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "output/output_dir.hpp"

namespace sluice::detail {

// "<readable part>-<16 lowercase hex digits of the 64-bit FNV-1a of the whole url>". The
// readable part is the URL without its scheme, every byte outside [A-Za-z0-9._-] made '_', cut
// to 100 bytes, a leading '.' made '_', and "index" when empty. The result is deterministic, at
// most 117 bytes, never contains '/', never starts with '.'.
std::string body_file_name(std::string_view url);

// ".<body_file_name(url)>.part-<pid>-<slot>": where process `pid` writes `url`'s body, saved
// as its transfer `slot`, until the body is complete. Numbers in decimal, no leading zeros.
std::string body_temporary_name(std::string_view url, pid_t pid, std::uint64_t slot);

// The process ID in `file_name` when it is exactly a name body_temporary_name() gives, for any
// URL, positive pid and slot (the shape of one: a readable part and a hash as body_file_name()
// makes them); nullopt for every other name.
std::optional<pid_t> body_temporary_owner(std::string_view file_name);

// Removes the temporaries in `dir` (not below it) whose process no longer runs: regular files
// named as body_temporary_owner() accepts, whose pid kill(pid, 0) reports ESRCH. Symlinks,
// directories and every other name are left alone, as are the temporaries of live processes
// (this one included). A process that died leaves its temporaries behind (a kill -9 runs no
// clean-up), and later runs write under their own pids, so nothing else removes them. Best
// effort: what cannot be listed (a directory without read permission) or removed is skipped.
// Returns how many were removed.
// Limits of a pid: the temporaries of a dead process whose pid a live one now has stay until
// that one ends too; processes in different pid namespaces (containers) sharing `dir` are not
// told apart. Thread-safe; concurrent calls may race on a file, which is then removed once.
std::size_t remove_dead_body_temporaries(const OutputDir& dir);

// Where a body goes under the output directory.
struct BodyPlace {
  // Relative, '/'-separated, each segment a name of its own (body_path.hpp makes them so);
  // missing directories are created.
  std::string path;
  // Written to "<path>.part" (kept when the transfer is cut), not to a hidden temporary.
  bool resumable = false;
};

// The regular file (not a symlink, none followed on the way) at `path` under `dir`, spelt
// with dir.path(); nullopt when there is none, or `sha256` (when not empty) differs from its
// digest. The file is read whole when a digest is given.
std::optional<std::filesystem::path> existing_body(const OutputDir& dir, std::string_view path,
                                                   std::string_view sha256);

// One body being saved. Not thread-safe. Movable, not copyable. Lifetime: `dir` must outlive
// it. Until commit() succeeds the bytes live in "<dir>/<body_temporary_name(url, this process,
// slot)>", which the destructor removes; it never throws. `slot` tells apart two bodies of the same
// URL that this process saves at the same time, so no other of its bodies being saved into `dir`
// may use it; the process ID in the name keeps apart the bodies of two processes saving into the
// same `dir`.
class BodyFile {
 public:
  // Creates the temporary without following symlinks. A file of that name was left by a dead
  // process that had this one's pid; it is replaced.
  static std::expected<BodyFile, std::string> create(const OutputDir& dir, std::string_view url,
                                                     std::uint64_t slot);
  // The same, saved at `place` instead of body_file_name(url). A resumable place whose
  // "<path>.part" another transfer holds (the same URL twice in a run, or two runs) is saved
  // through a hidden temporary instead, as if not resumable.
  static std::expected<BodyFile, std::string> create(const OutputDir& dir, std::string_view url,
                                                     std::uint64_t slot, const BodyPlace& place);

  BodyFile(BodyFile&& other) noexcept;
  BodyFile& operator=(BodyFile&& other) noexcept;
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;
  ~BodyFile();

  // The bytes a cut transfer left in a resumable place's "<path>.part": where a range request
  // may start. 0 for other places.
  std::uint64_t resume_offset() const noexcept { return resume_offset_; }
  // Whether this body is written to a ".part" that a cut transfer keeps.
  bool resumable() const noexcept { return resumable_; }
  // Hands the resume_offset() bytes the ".part" held when it was opened to `take`, in pieces,
  // before begin(true).
  std::expected<void, std::string> read_part(
      const std::function<void(std::string_view)>& take) const;
  // Says, before the first write(), whether the answer goes on from resume_offset() (a 206 to
  // a range request) or is the whole body, which replaces what the ".part" held. Without a
  // call, the body is whole.
  std::expected<void, std::string> begin(bool appending);
  // Small pieces are gathered into 16 KiB before they reach the kernel.
  std::expected<void, std::string> write(std::span<const char> data);
  // Flushes, closes and renames to "<dir>/<name>", replacing any file of that name; returns
  // that path, spelt with the directory's path as given (OutputDir::path). Call at most once; on
  // failure the temporary is still removed by the destructor.
  std::expected<std::filesystem::path, std::string> commit();
  // Removes the ".part" of a resumable body too, for a range the server cannot serve (416).
  void discard() noexcept;

 private:
  BodyFile(const OutputDir& dir, int fd, std::string temporary, std::string final_name);

  std::expected<void, std::string> write_all(std::span<const char> data);
  std::expected<void, std::string> flush();
  void abandon() noexcept;

  const OutputDir* dir_;
  int fd_ = -1;  // -1 once closed (or moved from)
  // The directory of final_name_ below dir_, an O_PATH descriptor; -1 when it is dir_ itself.
  int parent_fd_ = -1;
  // A name in dir_, or in the parent for a resumable body; empty once committed (or moved from).
  std::string temporary_;
  std::string final_name_;    // in the parent
  std::string final_path_;    // below dir_: BodyPlace::path
  std::vector<char> buffer_;  // grows with small writes, up to kBufferSize
  bool resumable_ = false;    // temporary_ is the parent's "<final_name_>.part", kept when cut
  bool begun_ = false;        // begin() was called (or implied by a write)
  std::uint64_t resume_offset_ = 0;
};

}  // namespace sluice::detail
