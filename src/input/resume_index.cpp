// Loading an earlier results file into hashes of its final URLs (rewriting it without its
// other lines), and matching input URLs against them one occurrence at a time.
#include "input/resume_index.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <functional>
#include <system_error>
#include <utility>

#include "input/line_reader.hpp"
#include "input/pruned_copy.hpp"
#include "record_codec.hpp"
#include "record_rules.hpp"

namespace sluice::detail {
namespace {

// The collision estimate in the header assumes a full 64-bit hash.
static_assert(sizeof(std::size_t) == sizeof(std::uint64_t));

constexpr std::uint64_t kFailureBit = 1;

// Only compared within one process, so the standard hash's unspecified algorithm is fine.
// The lowest bit is left for the failure flag.
std::uint64_t url_hash(std::string_view url) {
  return std::hash<std::string_view>{}(url) & ~kFailureBit;
}

// A URL of the input hashed as the record of it holds it: a line with invalid UTF-8 is
// written with U+FFFD in its place and must still find its record. ASCII, nearly every URL,
// is written unchanged.
std::uint64_t input_url_hash(std::string_view url) {
  const bool ascii = std::all_of(url.begin(), url.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  return ascii ? url_hash(url) : url_hash(as_written(url));
}

// A request with an id of its own is known by URL and id: a request list may send one URL
// several times (POSTs of different bodies), and each line's id tells them apart. '\n' ends
// no URL and no JSON string read from one line, so the pair cannot meet another pair.
std::string with_id(std::string_view url, std::string_view id) {
  std::string key(url);
  key += '\n';
  key += id;
  return key;
}

// The id a record was joined by (see joining_id): one that is not its source.
std::string_view record_joining_id(const Record& record) {
  return record.id == record.source ? std::string_view() : std::string_view(record.id);
}

// Closes the descriptor on every return path of load().
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { ::close(fd_); }

 private:
  int fd_;
};

// Whether a non-empty regular file's last byte is something other than '\n'.
std::expected<bool, int> ends_without_newline(int fd) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return std::unexpected(errno);
  if (!S_ISREG(status.st_mode) || status.st_size == 0) return false;
  char last = '\n';
  while (::pread(fd, &last, 1, status.st_size - 1) < 0) {
    if (errno != EINTR) return std::unexpected(errno);
  }
  return last != '\n';
}

}  // namespace

bool ResumeIndex::add(const Line& line, bool retry_failed) {
  const auto skip = [this, &line] {
    if (skipped_lines_++ == 0) first_bad_line_ = line.number;
    return false;
  };
  if (line.too_long) return skip();
  // An empty line loses no URL, so it is not worth a warning.
  if (line.text.empty()) return true;
  const auto record = parse_json_line(line.text);
  if (!record) return skip();
  if (!is_final(*record, retry_failed)) return false;
  const std::string_view id = record_joining_id(*record);
  const std::uint64_t hash =
      id.empty() ? url_hash(record->url) : url_hash(with_id(record->url, id));
  keys_.push_back(hash | (record->ok ? std::uint64_t{0} : kFailureBit));
  return true;
}

std::expected<ResumeIndex, std::string> ResumeIndex::load(const std::filesystem::path& file,
                                                          bool retry_failed) {
  const auto fail = [&](std::string_view reason) {
    return std::unexpected("cannot read resume file '" + file.string() +
                           "': " + std::string(reason));
  };
  const auto fail_errno = [&](int error) { return fail(std::generic_category().message(error)); };

  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno(errno);
  const FileDescriptor guard(fd);
  // open(2) succeeds on a directory; say so plainly instead of "read failed: ...".
  struct stat status {};
  if (::fstat(fd, &status) != 0) return fail_errno(errno);
  if (S_ISDIR(status.st_mode)) return fail_errno(EISDIR);

  ResumeIndex index;
  PrunedCopy copy(file, fd);
  LineReader reader(fd, kMaxLineBytes);
  while (true) {
    const auto next = reader.next();
    if (!next) return fail(next.error());
    if (!*next) break;
    const Line& line = **next;
    const auto copied = index.add(line, retry_failed) ? copy.keep(line) : copy.drop(line);
    if (!copied) return std::unexpected(copied.error());
  }
  const auto torn = ends_without_newline(fd);
  if (!torn) return fail_errno(torn.error());
  const auto rewritten = copy.commit();
  if (!rewritten) return std::unexpected(rewritten.error());
  // The rewrite ended every line it kept.
  index.ends_mid_line_ = *torn && !*rewritten;

  std::sort(index.keys_.begin(), index.keys_.end());
  // Growth by doubling may have left up to half the capacity unused; give it back.
  index.keys_.shrink_to_fit();
  index.consumed_.assign(index.keys_.size(), false);
  return index;
}

FinalRecord ResumeIndex::consume(std::string_view url, std::string_view id) {
  const std::uint64_t hash = id.empty() ? input_url_hash(url) : input_url_hash(with_id(url, id));
  // Equal hashes sit together, whatever their failure bit; earlier occurrences consumed the
  // first ones.
  for (auto it = std::lower_bound(keys_.begin(), keys_.end(), hash);
       it != keys_.end() && (*it & ~kFailureBit) == hash; ++it) {
    const auto position = static_cast<std::size_t>(it - keys_.begin());
    if (!consumed_[position]) {
      consumed_[position] = true;
      return (*it & kFailureBit) != 0 ? FinalRecord::Failure : FinalRecord::Ok;
    }
  }
  return FinalRecord::None;
}

std::string_view joining_id(const InputItem& item) {
  const std::string& id = item.request->id;
  return id == item.source ? std::string_view() : std::string_view(id);
}

bool ResumeSkips::skip(std::optional<ResumeIndex>& resume, std::string_view url,
                       std::string_view id) {
  const FinalRecord prior = resume ? resume->consume(url, id) : FinalRecord::None;
  if (prior == FinalRecord::None) return false;
  skipped_.fetch_add(1, std::memory_order_relaxed);
  if (prior == FinalRecord::Failure) failures_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

}  // namespace sluice::detail
