#include "output/results_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

Record record(std::uint64_t index) {
  Record result;
  result.index = index;
  result.url = "http://h/\"" + std::to_string(index);
  result.ok = true;
  result.status = 200;
  return result;
}

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
  ::close(fds[1]);
}

}  // namespace
}  // namespace sluice
