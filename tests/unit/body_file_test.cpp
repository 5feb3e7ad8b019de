// Saved bodies: safe, distinct file names and the write-to-temporary-then-rename life cycle.
#include "output/body_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

namespace fs = std::filesystem;
using namespace std::string_literals;

// A fresh directory per test, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "body_file_test.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

std::string contents(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary) << text;
}

TEST(BodyFileNameTest, MatchesFnv1aTestVectors) {
  // The published FNV-1a 64 values of "" and "a".
  EXPECT_EQ(body_file_name(""), "index-cbf29ce484222325");
  EXPECT_EQ(body_file_name("a"), "a-af63dc4c8601ec8c");
}

TEST(BodyFileNameTest, DropsTheSchemeAndReplacesUnsafeBytes) {
  const std::string name = body_file_name("https://example.com:8443/a/b.txt?x=1&y=%20");
  EXPECT_EQ(name.substr(0, name.size() - 17), "example.com_8443_a_b.txt_x_1_y__20");
  EXPECT_EQ(name[name.size() - 17], '-');
  EXPECT_EQ(name.find_first_not_of("0123456789abcdef", name.size() - 16), std::string::npos);
}

TEST(BodyFileNameTest, IsDeterministic) {
  EXPECT_EQ(body_file_name("http://h/p?q"), body_file_name("http://h/p?q"));
}

TEST(BodyFileNameTest, NeverEscapesOrHidesItself) {
  for (const std::string& url :
       {"http://../../etc/passwd"s, ".."s, "."s, "http://./"s, "/"s, "http://.hidden/x"s,
        "http://"s, "../.."s, "http://h/\0/x"s, "http://h/\xff\xfe"s}) {
    const std::string name = body_file_name(url);
    SCOPED_TRACE(name);
    EXPECT_EQ(name.find('/'), std::string::npos);
    EXPECT_EQ(name.find('\0'), std::string::npos);
    EXPECT_NE(name.front(), '.');
    EXPECT_NE(name, ".");
    EXPECT_NE(name, "..");
    EXPECT_EQ(
        name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"),
        std::string::npos);
  }
}

TEST(BodyFileNameTest, UsesIndexForAnEmptyReadablePart) {
  EXPECT_EQ(body_file_name("http://").substr(0, 6), "index-");
}

TEST(BodyFileNameTest, CutsLongUrlsButKeepsThemApart) {
  const std::string stem = "http://h/" + std::string(300, 'x');
  const std::string first = body_file_name(stem + "1");
  const std::string second = body_file_name(stem + "2");
  EXPECT_EQ(first.size(), 100U + 17U);
  EXPECT_EQ(first.substr(0, 100), second.substr(0, 100));
  EXPECT_NE(first, second);
}

TEST(BodyFileNameTest, KeepsApartUrlsThatDifferOnlyInAnUnsafeByte) {
  EXPECT_NE(body_file_name("http://h/a?b"), body_file_name("http://h/a_b"));
}

TEST(BodyFileTest, WritesExactBytesAndCommitRenames) {
  const TempDir dir;
  auto file = BodyFile::create(dir.path(), "http://h/data", 3);
  ASSERT_TRUE(file.has_value()) << file.error();
  const std::string temporary = "." + body_file_name("http://h/data") + ".part-3";
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{temporary});

  std::string expected;
  const std::vector<std::string> pieces = {"head\0er"s, std::string(70'000, 'b'), "\xff"s,
                                           std::string(65'535, 'c'), "tail"};
  for (const auto& piece : pieces) {
    ASSERT_TRUE(file->write(piece).has_value());
    expected += piece;
  }
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(*saved, dir.path() / body_file_name("http://h/data"));
  EXPECT_EQ(contents(*saved), expected);
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{body_file_name("http://h/data")});
}

TEST(BodyFileTest, CommitsAnEmptyBody) {
  const TempDir dir;
  auto file = BodyFile::create(dir.path(), "http://h/empty", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(fs::file_size(*saved), 0U);
}

TEST(BodyFileTest, AbandonedFileLeavesNothing) {
  const TempDir dir;
  {
    auto file = BodyFile::create(dir.path(), "http://h/x", 1);
    ASSERT_TRUE(file.has_value()) << file.error();
    ASSERT_TRUE(file->write(std::string(100'000, 'x')).has_value());
    EXPECT_EQ(entries(dir.path()).size(), 1U);
  }
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(BodyFileTest, ReplacesAStaleTemporary) {
  const TempDir dir;
  const fs::path temporary = dir.path() / ("." + body_file_name("http://h/x") + ".part-5");
  write_file(temporary, "stale bytes from a crashed run");
  auto file = BodyFile::create(dir.path(), "http://h/x", 5);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("new"s).has_value());
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(contents(*saved), "new");
}

TEST(BodyFileTest, NeverWritesThroughAPlantedSymlink) {
  const TempDir dir;
  const TempDir elsewhere;
  const fs::path victim = elsewhere.path() / "victim";
  write_file(victim, "untouched");
  fs::create_symlink(victim, dir.path() / ("." + body_file_name("http://h/x") + ".part-0"));
  auto file = BodyFile::create(dir.path(), "http://h/x", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("new"s).has_value());
  ASSERT_TRUE(file->commit().has_value());
  EXPECT_EQ(contents(victim), "untouched");
}

TEST(BodyFileTest, CommitReplacesAnExistingFile) {
  const TempDir dir;
  write_file(dir.path() / body_file_name("http://h/x"), "old body");
  auto file = BodyFile::create(dir.path(), "http://h/x", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("new body"s).has_value());
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(contents(*saved), "new body");
}

TEST(BodyFileTest, UnusableDirectoryGivesAnErrorNamingThePath) {
  const TempDir dir;
  // Tests run as root, who may write anywhere; a path under a regular file fails for root too.
  const fs::path not_a_dir = dir.path() / "plain_file";
  write_file(not_a_dir, "");
  const auto file = BodyFile::create(not_a_dir / "sub", "http://h/x", 0);
  ASSERT_FALSE(file.has_value());
  EXPECT_NE(file.error().find((not_a_dir / "sub").string()), std::string::npos) << file.error();
  EXPECT_NE(file.error().find("Not a directory"), std::string::npos) << file.error();
}

TEST(BodyFileTest, MovedFileOwnsTheTemporary) {
  const TempDir dir;
  auto created = BodyFile::create(dir.path(), "http://h/moved", 0);
  ASSERT_TRUE(created.has_value()) << created.error();
  BodyFile first = std::move(*created);
  ASSERT_TRUE(first.write("abc"s).has_value());
  BodyFile second = std::move(first);
  ASSERT_TRUE(second.write("def"s).has_value());
  EXPECT_FALSE(first.write("x"s).has_value());  // NOLINT(bugprone-use-after-move): on purpose
  const auto saved = second.commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(contents(*saved), "abcdef");
}

TEST(BodyFileTest, MoveAssignmentAbandonsTheOverwrittenFile) {
  const TempDir dir;
  auto kept = BodyFile::create(dir.path(), "http://h/kept", 0);
  auto dropped = BodyFile::create(dir.path(), "http://h/dropped", 1);
  ASSERT_TRUE(kept.has_value() && dropped.has_value());
  *dropped = std::move(*kept);
  EXPECT_EQ(entries(dir.path()),
            std::set<std::string>{"." + body_file_name("http://h/kept") + ".part-0"});
  ASSERT_TRUE(dropped->commit().has_value());
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{body_file_name("http://h/kept")});
}

TEST(BodyFileTest, CommitTwiceIsAnError) {
  const TempDir dir;
  auto file = BodyFile::create(dir.path(), "http://h/x", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->commit().has_value());
  EXPECT_FALSE(file->commit().has_value());
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{body_file_name("http://h/x")});
}

}  // namespace
}  // namespace sluice
