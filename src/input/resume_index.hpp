// `--resume FILE`: which input URLs already have a final record in an earlier results file,
// so that two runs that together cover a list equal one uninterrupted run.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "input/input_item.hpp"
#include "input/line_reader.hpp"
#include "sluice/record.hpp"

namespace sluice::detail {

// What a results file says about one occurrence of an input URL.
enum class FinalRecord {
  None,     // no final record left for it: fetch it
  Ok,       // it succeeded: skip it
  Failure,  // it failed in a way another attempt would not fix: skip it, yet count the failure
};

// The final records of a results file, kept as one 64-bit key per record (8 bytes plus one
// bit each, so 20 million records take about 160 MB, and under three times that briefly while
// the vector grows during load()) rather than as URL strings.
// A hash collision between an input URL and a final record's URL costs one URL wrongly
// skipped (and the record's own URL fetched again); the key holds 63 bits of hash, so for n
// records and URLs its probability is about n^2 / 2^64, e.g. 2e-5 for n = 20 million.
// Thread-safety: none; consume() mutates, so one thread (the input reader) owns the index.
// Lifetime: a plain value; the file is closed before load() returns.
class ResumeIndex {
 public:
  // A results line longer than this is counted as not a record.
  static constexpr std::size_t kMaxLineBytes = 1024 * 1024;

  // Reads `file` once, line by line in bounded memory. Lines that are not records (junk, a
  // torn last line, longer than kMaxLineBytes) are skipped and counted; empty lines are
  // ignored. When the file holds lines other than final records, it is rewritten without
  // them (see PrunedCopy: a temporary file and a rename), so that the records of the URLs
  // fetched again can be appended to it and it then has one record per URL. A file that
  // holds only final records is left untouched.
  // A file that cannot be opened or read, missing included, is the error
  // "cannot read resume file 'FILE': REASON"; one that cannot be rewritten, the error of
  // PrunedCopy ("cannot write 'FILE.kept': REASON" or "cannot replace 'FILE': REASON").
  static std::expected<ResumeIndex, std::string> load(const std::filesystem::path& file,
                                                      bool retry_failed);

  // The final record of this occurrence of `url` not yet consumed by an earlier occurrence,
  // which is then consumed; None when there is none left. So a URL listed twice with one
  // final record is skipped once and fetched once. `url` is an input URL as read: it is
  // compared as a record would hold it (see as_written in record_codec.hpp). `id`: a request
  // line's own id (see joining_id), which must then match the record's too; empty: the URL
  // alone decides, as for a plain URL list, whose lines may move between runs.
  FinalRecord consume(std::string_view url, std::string_view id = {});

  std::uint64_t final_records() const noexcept { return keys_.size(); }
  // Non-empty lines that did not parse as records, and the number (from 1) of the first.
  std::uint64_t skipped_lines() const noexcept { return skipped_lines_; }
  std::uint64_t first_bad_line() const noexcept { return first_bad_line_; }  // 0 if none
  // True when the file's last byte is not '\n' (a torn last line that is a final record, as
  // any other torn line was rewritten away): appending must first write a '\n', or the first
  // new record would be glued to the torn line and lost.
  bool ends_mid_line() const noexcept { return ends_mid_line_; }

 private:
  ResumeIndex() = default;

  // Takes one line of the file into the index; true when the line stays in the file.
  bool add(const Line& line, bool retry_failed);

  // Sorted; one per final record, duplicates kept: the URL's hash with its lowest bit
  // replaced by whether the record is a failure, so the flag costs no memory.
  std::vector<std::uint64_t> keys_;
  std::vector<bool> consumed_;  // parallel to keys_
  std::uint64_t skipped_lines_ = 0;
  std::uint64_t first_bad_line_ = 0;
  bool ends_mid_line_ = false;
};

// The id that joins `item` to its record for --resume: its request line's own id, or empty
// when it has none (or one equal to its source, as a record cannot tell those apart).
std::string_view joining_id(const InputItem& item);

// The input URLs a resumed run skips for their final records, and of those the failures.
// Thread-safety: skip() from the one thread that owns the index (the input reader); the
// counts from any thread, final once that thread is done.
class ResumeSkips {
 public:
  // True when this occurrence of `url` has a final record left in `resume` (none: nothing
  // is resumed), which is then consumed and counted: the URL is not to be fetched.
  // `id`: as ResumeIndex::consume takes it.
  bool skip(std::optional<ResumeIndex>& resume, std::string_view url, std::string_view id = {});

  std::uint64_t skipped() const noexcept { return skipped_.load(std::memory_order_relaxed); }
  std::uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> skipped_{0};
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace sluice::detail
