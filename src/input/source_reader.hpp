// Streams the URLs of every command-line source (URLs, @FILE lists, standard input) in order,
// expanding ranges lazily, so input of any size flows through in constant memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "input/input_item.hpp"
#include "sluice/options.hpp"

namespace sluice::detail {

struct Source;

struct SourceLimits {
  // A pattern expanding to more URLs than this becomes one invalid_url item instead.
  std::uint64_t max_expansion = 10'000'000;
  // A longer line in a list file becomes one invalid_url item instead.
  std::size_t max_line_bytes = 65536;
  // Take "{}" and "[]" literally: no range expansion.
  bool globoff = false;
  // Which streams hold a JSON request per line rather than a URL (see request_line.hpp).
  InputFormat format = InputFormat::Auto;
};

// The limits and formats `options` set.
SourceLimits source_limits(const Options& options);

// Sources: "-" is standard input, "@FILE" a list file, anything else one URL (ranges
// allowed unless globoff). A list file whose name ends in ".jsonl" (SourceLimits::format
// Auto), or every list and standard input (Jsonl), holds one JSON request per line instead
// (see request_line.hpp; a bad line is an invalid_url item whose message names FILE:LINE and
// the field; no ranges). In files and standard input: one URL per line, CRLF accepted, a UTF-8 byte
// order mark at the start skipped, spaces and tabs around it trimmed, blank lines and lines
// starting with '#' skipped, ranges expanded. Bad input never throws: a bad pattern, a NUL byte, an
// over-long line, a too large expansion or a read error each becomes one item with an error, and
// reading goes on (after a read error, with the next source). Only a list file that cannot be
// opened, or whose first byte cannot be read, throws, and before anything was read. Thread-safety:
// none; may be built on one thread and read on another. Lifetime: owns the descriptors of the list
// files it opened and closes them on destruction; never closes standard input.
class SourceReader {
 public:
  // Opens every @FILE now and reads the first byte of each regular one. Throws UsageError
  // when `sources` is empty, names "-" twice, names a list file that cannot be read
  // ("cannot read list file 'urls.txt': No such file or directory"), or gives an existing
  // file as a URL ("arg:1: 'urls.txt' is a file, not a URL: did you mean @urls.txt?"). `stdin_fd`
  // stands in for standard input in tests.
  SourceReader(std::vector<std::string> sources, SourceLimits limits, int stdin_fd = 0);
  // Each of `urls` is one URL exactly as given, checked as any other ("arg:N" its source): no
  // ranges, no lists, no standard input. Never throws; no URLs at all is a valid input.
  static SourceReader literal(std::vector<std::string> urls);
  SourceReader(SourceReader&&) noexcept;
  SourceReader& operator=(SourceReader&&) noexcept;
  ~SourceReader();

  // Calls `emit` for every item of every source in order, numbering index from 0, and stops
  // as soon as `emit` returns false, or when `cancel_fd` (if given) becomes readable while
  // a read waits. Call once: list files and standard input are consumed.
  void read_all(const std::function<bool(InputItem&&)>& emit, int cancel_fd = -1);

 private:
  SourceReader() = default;

  std::vector<Source> sources_;
  SourceLimits limits_;
};

}  // namespace sluice::detail
