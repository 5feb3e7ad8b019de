// Tests for PrunedCopy: nothing written while every line is kept, the prefix before the first
// dropped line copied byte for byte, the kept lines after it, and no temporary file left over.
#include "input/pruned_copy.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <expected>
#include <filesystem>
#include <string>

#include "support/temp_dir.hpp"

namespace sluice::detail {
namespace {

// Passes every line of `file` to a PrunedCopy, dropping those whose text is "DROP", and
// commits it: true when the file was replaced, or the first error.
std::expected<bool, std::string> prune(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0);
  std::expected<bool, std::string> result;
  {
    PrunedCopy copy(file, fd);
    LineReader reader(fd);
    result = [&]() -> std::expected<bool, std::string> {
      for (int bound = 0; bound < 1000; ++bound) {
        const auto next = reader.next();
        EXPECT_TRUE(next.has_value());
        if (!next || !*next) break;
        const auto copied = (*next)->text == "DROP" ? copy.drop(**next) : copy.keep(**next);
        if (!copied) return std::unexpected(copied.error());
      }
      return copy.commit();
    }();
  }
  ::close(fd);
  return result;
}

std::filesystem::path temporary_of(const std::filesystem::path& file) {
  return file.string() + ".kept";
}

TEST(PrunedCopyTest, KeepingEveryLineLeavesTheFileAsItWas) {
  test::TempDir dir;
  const std::string content = "a\r\nb\n\nc";  // a last line without '\n' is kept as it is
  const auto file = dir.write("results.jsonl", content);
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);

  const auto replaced = prune(file);
  ASSERT_TRUE(replaced.has_value()) << replaced.error();
  EXPECT_FALSE(*replaced);
  EXPECT_EQ(test::read_file(file), content);
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);  // not even renamed over
  EXPECT_FALSE(std::filesystem::exists(temporary_of(file)));
}

TEST(PrunedCopyTest, CopiesThePrefixAsItWasAndTheKeptLinesAfterIt) {
  test::TempDir dir;
  const std::string huge(3 * LineReader::kBufferBytes, 'x');
  const auto file = dir.write("results.jsonl", "a\r\n" + huge + "\n\nDROP\nb\r\nDROP\nDROP\nc");
  const auto replaced = prune(file);
  ASSERT_TRUE(replaced.has_value()) << replaced.error();
  EXPECT_TRUE(*replaced);
  // Before the first drop the bytes are copied as they were; after it, lines end in '\n'.
  EXPECT_EQ(test::read_file(file), "a\r\n" + huge + "\n\nb\nc\n");
  EXPECT_FALSE(std::filesystem::exists(temporary_of(file)));
}

TEST(PrunedCopyTest, DroppingEveryLineLeavesAnEmptyFile) {
  test::TempDir dir;
  const auto file = dir.write("results.jsonl", "DROP\nDROP");
  const auto replaced = prune(file);
  ASSERT_TRUE(replaced.has_value()) << replaced.error();
  EXPECT_TRUE(*replaced);
  EXPECT_EQ(test::read_file(file), "");
}

TEST(PrunedCopyTest, TheNewFileKeepsTheOldPermissions) {
  test::TempDir dir;
  const auto file = dir.write("results.jsonl", "a\nDROP\n");
  std::filesystem::permissions(file, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read);
  ASSERT_TRUE(prune(file).value_or(false));
  EXPECT_EQ(std::filesystem::status(file).permissions(), std::filesystem::perms::owner_read |
                                                             std::filesystem::perms::owner_write |
                                                             std::filesystem::perms::group_read);
}

TEST(PrunedCopyTest, AnUncommittedCopyRemovesItsTemporaryFile) {
  test::TempDir dir;
  const auto file = dir.write("results.jsonl", "DROP\na\n");
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  {
    PrunedCopy copy(file, fd);
    LineReader reader(fd);
    const auto line = reader.next();
    ASSERT_TRUE(line.has_value() && line->has_value());
    ASSERT_TRUE(copy.drop(**line).has_value());
    EXPECT_TRUE(std::filesystem::exists(temporary_of(file)));
  }
  ::close(fd);
  EXPECT_FALSE(std::filesystem::exists(temporary_of(file)));
  EXPECT_EQ(test::read_file(file), "DROP\na\n");
}

TEST(PrunedCopyTest, ATemporaryFileThatCannotBeWrittenIsAnErrorNamingIt) {
  test::TempDir dir;
  const auto file = dir.write("results.jsonl", "a\nDROP\n");
  // A directory in its place fails open(2) even for root.
  std::filesystem::create_directory(temporary_of(file));
  const auto replaced = prune(file);
  ASSERT_FALSE(replaced.has_value());
  EXPECT_EQ(replaced.error(), "cannot write '" + temporary_of(file).string() + "': Is a directory");
  EXPECT_EQ(test::read_file(file), "a\nDROP\n");
}

}  // namespace
}  // namespace sluice::detail
