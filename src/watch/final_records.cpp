// Dropping the records a resumed job will write again.
#include "watch/final_records.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "input/line_reader.hpp"
#include "input/resume_index.hpp"
#include "output/json_lines.hpp"
#include "output/results_writer.hpp"

namespace sluice::detail {
namespace {

// Closes a descriptor on every return path.
class OpenFile {
 public:
  explicit OpenFile(int fd) noexcept : fd_(fd) {}
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string keep_final_records(const std::filesystem::path& file) {
  const auto fail = [&](const std::string& what) {
    return "cannot " + what + " '" + file.string() + "': " + std::strerror(errno);
  };
  const OpenFile in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd() < 0) return fail("read");
  const std::filesystem::path kept = file.string() + ".kept";
  const OpenFile out(::open(kept.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.fd() < 0) return fail("write beside");
  {
    ResultsWriter writer(out.fd());
    LineReader reader(in.fd(), ResumeIndex::kMaxLineBytes);
    while (true) {
      const auto next = reader.next();
      if (!next) return "cannot read '" + file.string() + "': " + next.error();
      if (!*next) break;
      if ((*next)->too_long) continue;
      const auto record = parse_json_line((*next)->text);
      // Only final records stay: retry_failed is a fetch option that watch mode leaves off.
      if (record && is_final(*record, false)) writer.write(*record);
    }
    writer.flush();
    if (!writer.error().empty()) return "cannot write '" + kept.string() + "': " + writer.error();
  }
  std::error_code error;
  std::filesystem::rename(kept, file, error);
  if (error) return "cannot replace '" + file.string() + "': " + error.message();
  return {};
}

}  // namespace sluice::detail
