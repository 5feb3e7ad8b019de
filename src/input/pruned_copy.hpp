// Rewriting a file without some of its lines, through a temporary file and a rename, and
// copying nothing unless a line is actually dropped.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

#include "input/line_reader.hpp"

namespace sluice::detail {

// Builds FILE.kept from the lines of FILE that keep() is given, in file order, and renames it
// over FILE in commit(): at every moment FILE is the whole old file or the whole new one,
// after kill -9 too. Nothing is written before the first drop(), so a file that keeps every
// line is never copied; that drop() copies the bytes before its line in the kernel.
// Kept lines are written as read, ending in '\n'.
// Thread-safety: none. Lifetime: `fd` (FILE open for reading) must stay open until commit();
// the destructor removes a temporary file that was not renamed.
class PrunedCopy {
 public:
  PrunedCopy(std::filesystem::path file, int fd);
  PrunedCopy(const PrunedCopy&) = delete;
  PrunedCopy& operator=(const PrunedCopy&) = delete;
  ~PrunedCopy();

  // Each line of FILE goes to exactly one of these two, in file order. The error names the
  // temporary file and why it cannot be written.
  std::expected<void, std::string> keep(const Line& line);
  std::expected<void, std::string> drop(const Line& line);
  // Renames the copy over FILE if a line was dropped; true if it did.
  std::expected<bool, std::string> commit();

 private:
  std::expected<void, std::string> start(std::uint64_t prefix_bytes);
  std::expected<void, std::string> write_out();
  std::unexpected<std::string> write_failure(int error) const;

  const std::filesystem::path file_;
  const std::filesystem::path temporary_;
  const int in_;
  int out_ = -1;          // the temporary file, from the first drop() until commit()
  bool renamed_ = false;  // the temporary file is FILE now
  std::string pending_;   // kept lines not yet written to out_
};

}  // namespace sluice::detail
