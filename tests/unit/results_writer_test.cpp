#include "output/results_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/sample_records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

// Its URLs hold a quote, which the writer must escape.
Record record(std::uint64_t index) { return test::numbered_record(index, "http://h/\""); }

TEST(ResultsWriterTest, WritesOneValidJsonLinePerRecord) {
  test::TempDir dir;
  const auto path = dir.path() / "out.jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  {
    ResultsWriter writer(fd);
    for (std::uint64_t i = 0; i < 5000; ++i) writer.write(record(i));
  }
  ::close(fd);
  std::istringstream lines(test::read_file(path));
  std::uint64_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json["url"], "http://h/\"" + std::to_string(count));
  }
  EXPECT_EQ(count, 5000u);
}

TEST(ResultsWriterTest, EveryWriteCarriesWholeLines) {
  std::array<int, 2> fds{};
  ASSERT_EQ(::pipe(fds.data()), 0);
  ResultsWriter writer(fds[1]);
  for (std::uint64_t i = 0; i < 3; ++i) writer.write(record(i));
  writer.flush();
  std::array<char, 4096> buffer{};
  const auto got = ::read(fds[0], buffer.data(), buffer.size());
  ASSERT_GT(got, 0);
  EXPECT_EQ(buffer[static_cast<std::size_t>(got) - 1], '\n');
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(ResultsWriterTest, AClosedPipeBecomesAnErrorNotACrash) {
  std::array<int, 2> fds{};
  ASSERT_EQ(::pipe(fds.data()), 0);
  ::close(fds[0]);
  std::signal(SIGPIPE, SIG_IGN);  // as sluice's main() does
  ResultsWriter writer(fds[1]);
  writer.write(record(0));
  writer.flush();
  EXPECT_FALSE(writer.error().empty());
  EXPECT_EQ(writer.error_number(), EPIPE);
  ::close(fds[1]);
}

TEST(ResultsWriterTest, CountsTheRecordsWrittenAndThoseLostAfterTheFirstError) {
  std::array<int, 2> fds{};
  ASSERT_EQ(::pipe(fds.data()), 0);
  std::signal(SIGPIPE, SIG_IGN);
  ResultsWriter writer(fds[1]);
  for (std::uint64_t i = 0; i < 3; ++i) writer.write(record(i));
  writer.flush();
  EXPECT_EQ(writer.error_number(), 0);
  ::close(fds[0]);
  for (std::uint64_t i = 3; i < 5; ++i) writer.write(record(i));
  writer.flush();
  writer.write(record(5));
  writer.flush();
  EXPECT_EQ(writer.error_number(), EPIPE);
  EXPECT_EQ(writer.written(), 3u);
  EXPECT_EQ(writer.unwritten(), 3u);
  ::close(fds[1]);
}

// A file size limit cuts a batch short as a full disk does: the first write(2) takes what
// fits, the next fails (EFBIG here, ENOSPC on a disk).
TEST(ResultsWriterTest, ABatchCutShortCountsOnlyItsWholeLinesAsWritten) {
  test::TempDir dir;
  const auto path = dir.path() / "out.jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = before;
  small.rlim_cur = 1000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  ResultsWriter writer(fd);
  for (std::uint64_t i = 0; i < 100; ++i) writer.write(record(i));
  writer.flush();
  ::setrlimit(RLIMIT_FSIZE, &before);
  std::signal(SIGXFSZ, previous_handler);
  ::close(fd);

  // The write stopped at the 1000-byte limit, and the writer cut the file back to its last
  // whole line.
  const std::string text = test::read_file(path);
  ASSERT_FALSE(text.empty());
  ASSERT_LE(text.size(), 1000u);
  EXPECT_EQ(text.back(), '\n');
  const auto whole = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  EXPECT_EQ(writer.error_number(), EFBIG);
  EXPECT_EQ(writer.written(), whole);
  EXPECT_EQ(writer.unwritten(), 100 - whole);
}

// The lines of `path` after one record is written to it through open_results_file.
std::vector<std::string> lines_after_one_record(const std::filesystem::path& path, bool append,
                                                bool ends_mid_line) {
  const auto fd = open_results_file(path, append, ends_mid_line);
  EXPECT_TRUE(fd) << fd.error();
  if (!fd) return {};
  {
    ResultsWriter writer(*fd);
    writer.write(record(7));
  }
  ::close(*fd);
  std::istringstream text(test::read_file(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  return lines;
}

TEST(ResultsFileTest, AResumedRunAppendsAfterEndingATornLastLine) {
  test::TempDir dir;
  const auto path = dir.write("out.jsonl", "{\"old\":1}\n{\"torn");
  const auto lines = lines_after_one_record(path, true, true);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "{\"old\":1}");
  EXPECT_EQ(lines[1], "{\"torn");
  EXPECT_EQ(nlohmann::json::parse(lines[2])["url"], "http://h/\"7");
}

TEST(ResultsFileTest, ANewRunEmptiesTheFile) {
  test::TempDir dir;
  const auto path = dir.write("out.jsonl", "{\"old\":1}\n");
  const auto lines = lines_after_one_record(path, false, false);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["url"], "http://h/\"7");
}

TEST(ResultsFileTest, AFileThatCannotBeWrittenIsAnErrorNamingIt) {
  test::TempDir dir;
  const auto failed = open_results_file(dir.path(), false, false);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error(),
            "cannot write results file '" + dir.path().string() + "': Is a directory");
}

}  // namespace
}  // namespace sluice