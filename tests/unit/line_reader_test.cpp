// Tests for LineReader: splitting, numbering, CRLF, over-long lines, buffer boundaries, errors.
#include "input/line_reader.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "input/reader_cancel.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

// An open read-only descriptor on a file with the given content, closed at scope end.
class ContentFd {
 public:
  explicit ContentFd(const std::string& content)
      : fd_(::open(dir_.write("input.txt", content).c_str(), O_RDONLY | O_CLOEXEC)) {}
  ContentFd(const ContentFd&) = delete;
  ContentFd& operator=(const ContentFd&) = delete;
  ~ContentFd() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  test::TempDir dir_;
  int fd_;
};

// All lines until the end; fails the test on a read error. Bounded by `limit` lines.
std::vector<Line> read_lines(LineReader& reader, std::size_t limit = 100'000) {
  std::vector<Line> lines;
  while (lines.size() < limit) {
    auto line = reader.next();
    EXPECT_TRUE(line.has_value()) << line.error();
    if (!line || !*line) break;
    lines.push_back(std::move(**line));
  }
  return lines;
}

std::vector<std::string> texts(const std::vector<Line>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(line.text);
  return out;
}

using Strings = std::vector<std::string>;

TEST(LineReaderTest, SplitsAndNumbersLines) {
  ContentFd file("a\nbb\n\nccc");
  LineReader reader(file.get());
  const auto lines = read_lines(reader);
  EXPECT_EQ(texts(lines), (Strings{"a", "bb", "", "ccc"}));
  ASSERT_EQ(lines.size(), 4u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].number, i + 1);
    EXPECT_FALSE(lines[i].too_long);
  }
}

TEST(LineReaderTest, OffsetIsWhereEachLineStartsWhateverItsEndingLengthOrRefills) {
  const std::string huge(3 * LineReader::kBufferBytes, 'x');
  const std::string content = "a\r\nbb\n\n" + huge + "\nccc";
  ContentFd file(content);
  LineReader reader(file.get(), LineReader::kBufferBytes);
  const auto lines = read_lines(reader);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].offset, 0u);
  EXPECT_EQ(lines[1].offset, 3u);
  EXPECT_EQ(lines[2].offset, 6u);
  EXPECT_EQ(lines[3].offset, 7u);
  EXPECT_TRUE(lines[3].too_long);
  EXPECT_EQ(lines[4].offset, content.size() - 3);
}

TEST(LineReaderTest, EndOfInputIsSticky) {
  ContentFd file("only\n");
  LineReader reader(file.get());
  EXPECT_EQ(reader.next().value()->text, "only");
  EXPECT_EQ(reader.next().value(), std::nullopt);
  EXPECT_EQ(reader.next().value(), std::nullopt);
}

TEST(LineReaderTest, EmptyInputHasNoLines) {
  ContentFd file("");
  LineReader reader(file.get());
  EXPECT_EQ(reader.next().value(), std::nullopt);
}

TEST(LineReaderTest, StripsCrlfButKeepsOtherCarriageReturns) {
  ContentFd file("a\r\nb\n\r\nc\rd\ne\r");
  LineReader reader(file.get());
  EXPECT_EQ(texts(read_lines(reader)), (Strings{"a", "b", "", "c\rd", "e\r"}));
}

TEST(LineReaderTest, KeepsNulAndNonUtf8BytesIntact) {
  const std::string content("a\0b\n\xff\xfe\r\n\0\n", 10);
  ContentFd file(content);
  LineReader reader(file.get());
  EXPECT_EQ(texts(read_lines(reader)),
            (Strings{std::string("a\0b", 3), "\xff\xfe", std::string(1, '\0')}));
}

TEST(LineReaderTest, CrlfSplitAcrossRefillsIsStillStripped) {
  // The '\r' ends one read(2) and the '\n' starts the next.
  const std::string first(LineReader::kBufferBytes - 1, 'a');
  ContentFd file(first + "\r\nb\r\n");
  LineReader reader(file.get(), LineReader::kBufferBytes);
  EXPECT_EQ(texts(read_lines(reader)), (Strings{first, "b"}));
}

TEST(LineReaderTest, LineAtTheMaximumIsNotTooLong) {
  ContentFd file("0123456789\n0123456789\r\n01234567890\n");
  LineReader reader(file.get(), 10);
  const auto lines = read_lines(reader);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_FALSE(lines[0].too_long);
  EXPECT_FALSE(lines[1].too_long);
  EXPECT_EQ(lines[1].text, "0123456789");
  EXPECT_TRUE(lines[2].too_long);
  EXPECT_EQ(lines[2].number, 3u);
}

TEST(LineReaderTest, OverlongLineIsConsumedAndTruncated) {
  std::string huge(1 << 20, 'x');
  huge[0] = 'h';
  ContentFd file("first\n" + huge + "\nafter\n" + huge);
  LineReader reader(file.get());
  const auto lines = read_lines(reader);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "first");
  EXPECT_TRUE(lines[1].too_long);
  EXPECT_EQ(lines[1].text, huge.substr(0, 256));
  EXPECT_EQ(lines[2].text, "after");
  EXPECT_EQ(lines[2].number, 3u);
  EXPECT_EQ(lines[2].offset, 6 + huge.size() + 1);
  EXPECT_FALSE(lines[2].too_long);
  EXPECT_TRUE(lines[3].too_long);
  EXPECT_EQ(lines[3].text.size(), 256u);
  EXPECT_LT(lines[1].text.capacity(), 1024u);
}

// /dev/zero is one line without end: its record must come when it is known to be too long,
// not when the line ends, and the rest is skipped until the run stops the reader.
TEST(LineReaderTest, AnEndlessLineIsReturnedOnceItIsTooLong) {
  const int zero = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(zero, 0);
  const ReaderCancel cancel;
  LineReader reader(zero, 1000, cancel.fd());
  auto first = std::async(std::launch::async, [&reader] { return reader.next(); });
  // A bound, not a measurement: a reader that holds the line reads until it is cancelled.
  const bool returned = first.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!returned) cancel.signal();
  const auto line = first.get();
  EXPECT_TRUE(returned) << "the over-long line came only when the reader was cancelled";
  ASSERT_TRUE(line.has_value()) << line.error();
  ASSERT_TRUE(*line);
  EXPECT_TRUE((*line)->too_long);
  EXPECT_EQ((*line)->number, 1u);
  EXPECT_EQ((*line)->text, std::string(256, '\0'));
  cancel.signal();
  const auto end = reader.next();  // skipping the rest until cancelled
  ::close(zero);
  ASSERT_TRUE(end.has_value()) << end.error();
  EXPECT_FALSE(*end);
}

TEST(LineReaderTest, LinesCrossBufferBoundaries) {
  std::string content;
  Strings expected;
  for (int i = 0; i < 30'000; ++i) {
    expected.push_back("http://example.com/" + std::to_string(i));
    content += expected.back() + (i % 2 == 0 ? "\n" : "\r\n");
  }
  const std::string long_line(100'000, 'y');
  expected.push_back(long_line);
  content += long_line + "\n";
  ContentFd file(content);
  LineReader reader(file.get(), 200'000);
  EXPECT_EQ(texts(read_lines(reader)), expected);
}

TEST(LineReaderTest, ReportsReadErrors) {
  test::TempDir dir;
  const int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  LineReader reader(fd);
  const auto line = reader.next();
  ::close(fd);
  ASSERT_FALSE(line.has_value());
  EXPECT_EQ(line.error(), "read failed: Is a directory");
}

TEST(LineReaderTest, WaitsOnNonBlockingDescriptor) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  Strings got;
  std::jthread consumer([&] {
    LineReader reader(fds[0]);
    got = texts(read_lines(reader, 10));
  });
  // The consumer may already be waiting in poll(2); either way it must see both lines.
  ASSERT_EQ(::write(fds[1], "one\ntwo", 7), 7);
  ::close(fds[1]);
  consumer.join();
  ::close(fds[0]);
  EXPECT_EQ(got, (Strings{"one", "two"}));
}

}  // namespace
}  // namespace sluice
