// Resuming a watch job: its partial results keep only their final records, so that the
// finished results file has one record per URL, as one uninterrupted run would have.
#pragma once

#include <filesystem>
#include <string>

namespace sluice::detail {

// Rewrites `file` (through a temporary file and a rename) without the lines that are not
// final records (cancelled, transient failures, a torn last line). Returns what failed, or
// an empty string. Not thread-safe for the same file.
std::string keep_final_records(const std::filesystem::path& file);

}  // namespace sluice::detail
