// Reading the command-line sources into InputItems: list files line by line, ranges by index,
// every URL checked, every problem turned into an item rather than an exception.
#include "input/source_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <string_view>
#include <system_error>
#include <utility>

#include "input/line_reader.hpp"
#include "input/range_pattern.hpp"
#include "input/request_line.hpp"
#include "input/url_check.hpp"
#include "sluice/errors.hpp"

namespace sluice::detail {

// One command-line source; owns the descriptor when it is an opened list file.
struct Source {
  enum class Kind { Url, LiteralUrl, Stream };

  Source(Kind source_kind, std::string source_text, int source_fd, bool owns)
      : kind(source_kind), text(std::move(source_text)), fd(source_fd), owns_fd(owns) {}
  Source(Source&& other) noexcept
      : kind(other.kind),
        requests(other.requests),
        text(std::move(other.text)),
        fd(other.fd),
        owns_fd(std::exchange(other.owns_fd, false)) {}
  Source& operator=(Source&&) = delete;
  ~Source() {
    if (owns_fd) ::close(fd);
  }

  Kind kind;
  // A stream of JSON request lines rather than URLs.
  bool requests = false;
  std::string text;  // the URL, or the stream's name in "NAME:LINE" ("-" for standard input)
  int fd;
  bool owns_fd;
};

namespace {

Source open_list_file(std::string name) {
  if (name.empty()) throw UsageError("missing list file name after '@'");
  const auto fail = [&](int error) {
    throw UsageError("cannot read list file '" + name +
                     "': " + std::generic_category().message(error));
  };
  const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(errno);
  // open(2) succeeds on a directory, and on a file whose reads fail (/proc/self/mem: EIO);
  // only read(2) would tell, once the run has begun. A regular file's first byte is read now,
  // with pread(2), which moves no offset; a pipe or a terminal would wait for it.
  struct stat status {};
  int error = ::fstat(fd, &status) != 0 ? errno : S_ISDIR(status.st_mode) ? EISDIR : 0;
  char first_byte = 0;
  if (error == 0 && S_ISREG(status.st_mode) && ::pread(fd, &first_byte, 1, 0) < 0) error = errno;
  if (error != 0) {
    ::close(fd);
    fail(error);
  }
  return Source(Source::Kind::Stream, std::move(name), fd, true);
}

// `sluice urls.txt` would fetch http://urls.txt and fail on DNS: a source without "://" that
// names an existing file (a pipe such as /dev/fd/63 too) is far more likely a list missing
// its '@'. A directory is left alone, and "http://NAME" still fetches such a host.
void refuse_file_as_url(const std::string& text, std::size_t argument) {
  struct stat status {};
  if (text.find("://") != std::string::npos || ::stat(text.c_str(), &status) != 0 ||
      S_ISDIR(status.st_mode)) {
    return;
  }
  throw UsageError("arg:" + std::to_string(argument) + ": '" + text +
                   "' is a file, not a URL: did you mean @" + text + "?");
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlank = " \t";
  const std::size_t first = text.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kBlank) - first + 1);
}

// Numbers the items and hands them to the caller's callback; every method returns false
// once the callback has asked to stop.
class ItemEmitter {
 public:
  ItemEmitter(const std::function<bool(InputItem&&)>& emit, SourceLimits limits, int cancel_fd)
      : emit_(emit), limits_(limits), cancel_fd_(cancel_fd) {}

  bool failure(std::string_view url, const std::string& source, std::string message) {
    InputItem item;
    item.index = next_index_++;
    item.url = redact_userinfo(url);
    item.source = source;
    item.error = FetchError{.kind = ErrorKind::InvalidUrl, .message = std::move(message)};
    return emit_(std::move(item));
  }

  // `source` by value: a line's own "FILE:LINE" moves into its item instead of being copied.
  bool url(std::string_view text, std::string source, Request request = {}) {
    auto checked = check_url(text);
    InputItem item;
    item.request = std::move(request);
    item.index = next_index_++;
    // Credentials in a URL are for fetching only: the record, the saved body's file name and
    // a --resume lookup all see the URL without them.
    item.url = redact_userinfo(text);
    item.source = std::move(source);
    if (checked) {
      item.fetch_url = std::move(*checked);
    } else {
      item.error = std::move(checked.error());
    }
    return emit_(std::move(item));
  }

  bool expand(std::string_view text, std::string source) {
    if (limits_.globoff || !RangePattern::may_expand(text)) {
      return url(text, std::move(source));
    }
    const auto pattern = RangePattern::parse(text);
    if (!pattern) return failure(text, source, pattern.error());
    const std::uint64_t count = pattern->size();
    if (count > limits_.max_expansion) {
      const bool saturated = count == std::numeric_limits<std::uint64_t>::max();
      return failure(text, source,
                     "range expands to " + std::to_string(count) + (saturated ? " or more" : "") +
                         " URLs, more than the maximum expansion (" +
                         std::to_string(limits_.max_expansion) + ")");
    }
    for (std::uint64_t k = 0; k < count; ++k) {
      if (!url(pattern->at(k), source)) return false;
    }
    return true;
  }

  bool lines(const Source& stream) {
    LineReader reader(stream.fd, limits_.max_line_bytes, cancel_fd_);
    std::uint64_t last_number = 0;
    for (;;) {
      auto line = reader.next();
      if (!line) {
        // A descriptor that failed once is not trusted for more lines; the next source goes on.
        const std::string source = stream.text + ":" + std::to_string(last_number + 1);
        return failure({}, source, "cannot read '" + stream.text + "': " + line.error());
      }
      if (!*line) return true;
      last_number = (*line)->number;
      std::string source = stream.text + ":" + std::to_string(last_number);
      if (!one_line(**line, std::move(source), stream.requests)) return false;
    }
  }

 private:
  bool one_line(const Line& line, std::string source, bool request_line) {
    // Some editors start a UTF-8 file with a byte order mark; it is no part of the URL.
    constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
    std::string_view text = line.text;
    if (line.number == 1 && text.starts_with(kByteOrderMark)) {
      text.remove_prefix(kByteOrderMark.size());
    }
    text = trim(text);
    if (text.starts_with('#')) return true;
    if (line.too_long) {
      return failure(text, source,
                     "line is longer than " + std::to_string(limits_.max_line_bytes) + " bytes");
    }
    if (text.empty()) return true;
    if (text.find('\0') != std::string_view::npos) {
      return failure(text, source, "line contains a NUL byte");
    }
    return request_line ? request(text, std::move(source)) : expand(text, std::move(source));
  }

  bool request(std::string_view text, std::string source) {
    auto request = parse_request_line(text);
    // Only the URL is shown: the rest of a bad line may hold a credential.
    if (!request)
      return failure(request.error().url, source, source + ": " + request.error().message);
    std::string url = std::move(request->url);
    return this->url(std::move(url), std::move(source), std::move(*request));
  }

  const std::function<bool(InputItem&&)>& emit_;
  SourceLimits limits_;
  int cancel_fd_;
  std::uint64_t next_index_ = 0;
};

}  // namespace

SourceLimits source_limits(const Options& options) {
  return SourceLimits{.max_expansion = options.max_expansion,
                      .max_line_bytes = 65536,
                      .globoff = options.globoff,
                      .format = options.input_format};
}

SourceReader::SourceReader(std::vector<std::string> sources, SourceLimits limits, int stdin_fd)
    : limits_(limits) {
  if (sources.empty()) throw UsageError("no URLs given (pass URLs, @FILE or -)");
  sources_.reserve(sources.size());
  bool reads_stdin = false;
  for (std::string& source : sources) {
    if (source == "-") {
      if (reads_stdin) throw UsageError("'-' (standard input) may be given only once");
      reads_stdin = true;
      sources_.emplace_back(Source::Kind::Stream, "-", stdin_fd, false);
      sources_.back().requests = limits.format == InputFormat::Jsonl;
    } else if (source.starts_with('@')) {
      sources_.push_back(open_list_file(source.substr(1)));
      sources_.back().requests =
          limits.format == InputFormat::Jsonl ||
          (limits.format == InputFormat::Auto && sources_.back().text.ends_with(".jsonl"));
    } else {
      refuse_file_as_url(source, sources_.size() + 1);
      sources_.emplace_back(Source::Kind::Url, std::move(source), -1, false);
    }
  }
}

SourceReader SourceReader::literal(std::vector<std::string> urls) {
  SourceReader reader;
  reader.sources_.reserve(urls.size());
  for (std::string& url : urls)
    reader.sources_.emplace_back(Source::Kind::LiteralUrl, std::move(url), -1, false);
  return reader;
}

SourceReader::SourceReader(SourceReader&&) noexcept = default;
SourceReader& SourceReader::operator=(SourceReader&&) noexcept = default;
SourceReader::~SourceReader() = default;

void SourceReader::read_all(const std::function<bool(InputItem&&)>& emit, int cancel_fd) {
  ItemEmitter emitter(emit, limits_, cancel_fd);
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const Source& source = sources_[i];
    const std::string origin = "arg:" + std::to_string(i + 1);
    bool go_on = true;
    switch (source.kind) {
      case Source::Kind::Url:
        go_on = emitter.expand(source.text, origin);
        break;
      case Source::Kind::LiteralUrl:
        go_on = emitter.url(source.text, origin);
        break;
      case Source::Kind::Stream:
        go_on = emitter.lines(source);
        break;
    }
    if (!go_on) return;
  }
}

}  // namespace sluice::detail
