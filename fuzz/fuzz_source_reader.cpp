// libFuzzer target: the fuzz input is standard input to SourceReader, which must turn every
// line into items (or skip it) whatever the bytes, keep its numbering, and read on after it.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "input/line_reader.hpp"
#include "input/range_pattern.hpp"
#include "input/source_reader.hpp"
#include "input/url_check.hpp"

namespace {

using sluice::ErrorKind;
using sluice::detail::InputItem;
using sluice::detail::LineReader;
using sluice::detail::RangePattern;
using sluice::detail::SourceLimits;
using sluice::detail::SourceReader;

// Small limits keep one input fast (at most 1000 URL checks per line) and let inputs of a
// few KiB reach the over-long line path.
constexpr SourceLimits kLimits{.max_expansion = 1000, .max_line_bytes = 4096};
// Past this the input would not fit in the pipe below; such inputs are rejected, not read.
constexpr std::size_t kMaxInputBytes = 16 * 1024;
constexpr std::size_t kPipeBytes = 1024 * 1024;  // Linux's default /proc/sys/fs/pipe-max-size
// A URL argument after standard input: it must still come, last, whatever the input did.
constexpr std::string_view kAfterUrl = "http://after.example/";

[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "invariant broken: %.*s %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// A real standard input is often a pipe whose reads return a few bytes at a time. A pipe in
// packet mode (O_DIRECT) returns one write per read, so the fuzz input arrives in pieces of
// 1, 2, 3, ... bytes, and lines, CRLFs and over-long runs straddle LineReader's refills.
// Every piece takes one pipe slot of a page; 16 KiB needs 181 of the 256 slots of 1 MiB.
int packet_pipe_holding(std::string_view input) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_DIRECT) != 0) fail("pipe2 failed");
  if (::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(kPipeBytes)) < 0) fail("F_SETPIPE_SZ failed");
  for (std::size_t piece = 1; !input.empty(); ++piece) {
    const std::string_view chunk = input.substr(0, piece);
    if (::write(fds[1], chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
      fail("short write to the pipe");
    }
    input.remove_prefix(chunk.size());
  }
  ::close(fds[1]);
  return fds[0];
}

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The lines as the reader's contract defines them, independently of LineReader: split at
// '\n', one '\r' before it dropped, a last line without '\n' still a line.
std::vector<std::string_view> split_lines(std::string_view input) {
  std::vector<std::string_view> lines;
  while (!input.empty()) {
    const std::size_t end = input.find('\n');
    std::string_view line = input.substr(0, end);
    if (end != std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
    lines.push_back(line);
    input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
  }
  return lines;
}

void check_item(const InputItem& item, std::uint64_t expected_index) {
  if (item.index != expected_index) fail("indexes are not consecutive at", item.source);
  if (item.error) {
    if (!item.fetch_url.empty()) fail("an item has both an error and a fetch_url", item.url);
    if (item.error->kind != ErrorKind::InvalidUrl &&
        item.error->kind != ErrorKind::UnsupportedScheme) {
      fail("an input error of an unexpected kind", item.error->message);
    }
    if (item.error->message.empty()) fail("an error without a message", item.source);
  } else if (item.fetch_url.empty()) {
    fail("an item has neither an error nor a fetch_url", item.url);
  } else if (const std::string shown = sluice::detail::redact_userinfo(item.fetch_url);
             shown != item.url && shown != "http://" + item.url) {
    // The URL a record shows has its userinfo redacted; fetch_url keeps it.
    fail("fetch_url is neither the URL nor the URL with http://", item.url);
  }
}

// What one line must have produced, given the items whose source is "-:N" for it.
void check_line(std::string_view line, bool first, const std::vector<const InputItem*>& items) {
  const bool too_long = line.size() > kLimits.max_line_bytes;
  // Of an over-long line the reader keeps only a prefix: enough to see a comment, not enough
  // to see that the whole line is blank, so such a line is an error even when blank.
  std::string_view kept = too_long ? line.substr(0, LineReader::kTooLongPrefixBytes) : line;
  // A UTF-8 byte order mark at the start of the input is no part of its first line.
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  if (first && kept.starts_with(kByteOrderMark)) kept.remove_prefix(kByteOrderMark.size());
  const std::string_view text = trim(kept);
  if (text.starts_with('#')) {
    if (!items.empty()) fail("a comment line produced items", line);
    return;
  }
  if (too_long) {
    if (items.size() != 1 || !items[0]->error ||
        (items[0]->url != text && items[0]->url != sluice::detail::redact_userinfo(text))) {
      fail("an over-long line is not one error naming its prefix", text);
    }
    return;
  }
  if (text.empty()) {
    if (!items.empty()) fail("a blank line produced items", line);
    return;
  }
  if (items.empty() || items.size() > kLimits.max_expansion) {
    fail("a line produced no items or more than max_expansion", line);
  }
  if (!RangePattern::may_expand(text) &&
      (items.size() != 1 || items[0]->url != sluice::detail::redact_userinfo(text))) {
    fail("a line without a pattern is not its one trimmed URL", line);
  }
  for (const InputItem* item : items) {
    // An expansion never outgrows its pattern: ranges print at most their endpoints' digits.
    // Redaction puts "***" in place of a userinfo of at least one byte: two more at most.
    if (item->url.size() > text.size() + 2) fail("an expansion is longer than its line", line);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInputBytes) return -1;  // keeps it out of the corpus
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const int stdin_fd = packet_pipe_holding(input);

  std::vector<InputItem> items;
  SourceReader reader({"-", std::string(kAfterUrl)}, kLimits, stdin_fd);
  reader.read_all([&](InputItem&& item) {
    check_item(item, items.size());
    items.push_back(std::move(item));
    return true;
  });
  ::close(stdin_fd);

  if (items.empty() || items.back().url != kAfterUrl || items.back().source != "arg:2" ||
      items.back().error) {
    fail("the URL argument after standard input is missing or wrong");
  }
  items.pop_back();

  const std::vector<std::string_view> lines = split_lines(input);
  std::vector<std::vector<const InputItem*>> by_line(lines.size());
  std::size_t previous = 0;
  for (const InputItem& item : items) {
    const std::string_view source = item.source;
    if (!source.starts_with("-:")) fail("a standard input item with source", source);
    const std::size_t number = std::strtoull(std::string(source.substr(2)).c_str(), nullptr, 10);
    if (number < std::max<std::size_t>(previous, 1) || number > lines.size()) {
      fail("a line number out of order or range in", source);
    }
    by_line[number - 1].push_back(&item);
    previous = number;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) check_line(lines[i], i == 0, by_line[i]);
  return 0;
}
