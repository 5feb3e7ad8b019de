// Saved bodies: safe, distinct file names, the write-to-temporary-then-rename life cycle, and
// the clean-up of the temporaries that dead processes left.
#include "output/body_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
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

OutputDir open_dir(const fs::path& path) {
  auto dir = OutputDir::open(path);
  if (!dir) throw std::runtime_error("cannot open " + path.string() + ": " + dir.error());
  return std::move(*dir);
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

// Above the largest pid_max Linux allows (2^22), so no process ever has it: kill() says ESRCH.
constexpr pid_t kDeadPid = std::numeric_limits<pid_t>::max();

TEST(BodyTemporaryNameTest, HoldsTheFinalNameThePidAndTheSlot) {
  EXPECT_EQ(body_temporary_name("http://h/data", 4321, 7),
            "." + body_file_name("http://h/data") + ".part-4321-7");
}

TEST(BodyTemporaryNameTest, ItsOwnerIsReadBack) {
  for (const std::string& url : {"http://h/data"s, ""s, "http://h/.part-12-34"s,
                                 "http://h/x.part-"s, "http://h/" + std::string(300, 'x')}) {
    for (const pid_t pid : {1, 4321, kDeadPid}) {
      for (const std::uint64_t slot :
           {std::uint64_t{0}, std::uint64_t{9}, std::numeric_limits<std::uint64_t>::max()}) {
        const std::string name = body_temporary_name(url, pid, slot);
        SCOPED_TRACE(name);
        EXPECT_EQ(body_temporary_owner(name), pid);
      }
    }
  }
}

TEST(BodyTemporaryNameTest, EveryOtherNameHasNoOwner) {
  const std::string final_name = body_file_name("http://h/data");  // "h_data-<hash>"
  const std::string hash = final_name.substr(final_name.size() - 16);
  for (const std::string& name : {
           ""s,
           "."s,
           ".part-1-2"s,
           final_name,
           final_name + ".part-1-2"s,                               // no leading dot
           "." + final_name + ".part-3",                            // no pid
           "." + final_name + ".part-0-3",                          // pid 0
           "." + final_name + ".part--1-3",                         // a sign
           "." + final_name + ".part-+1-3",                         // a sign
           "." + final_name + ".part-01-3",                         // a leading zero
           "." + final_name + ".part-1-03",                         // a leading zero
           "." + final_name + ".part-1-",                           // no slot
           "." + final_name + ".part--3",                           // no pid
           "." + final_name + ".part-1-2-3",                        // a third number
           "." + final_name + ".part-1-2.tmp",                      // a suffix
           "." + final_name + ".part-1-2 ",                         // a suffix
           "." + final_name + ".part-99999999999-3",                // beyond pid_t
           "." + final_name + ".part-1-99999999999999999999",       // beyond 64 bits
           "." + final_name + ".PART-1-2",                          // another marker
           "." + final_name + "part-1-2",                           // another marker
           ".h_data" + hash + ".part-1-2",                          // no '-' before hash
           ".h_data-" + hash.substr(1) + ".part-1-2",               // a short hash
           ".h_data-" + std::string(16, 'A') + ".part-1-2",         // an uppercase hash
           ".-" + hash + ".part-1-2",                               // no readable part
           "..h_data-" + hash + ".part-1-2",                        // a hidden final name
           ".h data-" + hash + ".part-1-2",                         // an unsafe byte
           "." + std::string(101, 'x') + "-" + hash + ".part-1-2",  // too long
           ".list.txt.jsonl.part"s,                                 // watch mode's partial results
       }) {
    SCOPED_TRACE(name);
    EXPECT_EQ(body_temporary_owner(name), std::nullopt);
  }
}

TEST(RemoveDeadBodyTemporariesTest, RemovesOnlyTheRegularTemporariesOfDeadProcesses) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  const TempDir elsewhere;
  const fs::path victim = elsewhere.path() / "victim";
  write_file(victim, "untouched");
  const std::string dead = body_temporary_name("http://h/a", kDeadPid, 0);
  const std::string other_dead = body_temporary_name("http://h/b", kDeadPid, 1);
  const std::string dead_link = body_temporary_name("http://h/c", kDeadPid, 2);
  const std::string dead_dir = body_temporary_name("http://h/d", kDeadPid, 3);
  const std::string mine = body_temporary_name("http://h/e", ::getpid(), 4);
  const std::string init = body_temporary_name("http://h/f", 1, 5);  // pid 1 always runs
  const std::string old_style = "." + body_file_name("http://h/g") + ".part-6";
  const std::string final_name = body_file_name("http://h/a");
  for (const auto& name : {dead, other_dead, mine, init, old_style, final_name}) {
    write_file(dir.path() / name, "bytes");
  }
  write_file(dir.path() / ".hidden", "user file");
  write_file(dir.path() / "notes.part-1-2", "user file");
  fs::create_symlink(victim, dir.path() / dead_link);
  fs::create_directory(dir.path() / dead_dir);
  write_file(dir.path() / dead_dir / "inside", "user file");

  EXPECT_EQ(remove_dead_body_temporaries(out), 2U);
  EXPECT_EQ(entries(dir.path()), (std::set<std::string>{dead_link, dead_dir, mine, init, old_style,
                                                        final_name, ".hidden", "notes.part-1-2"}));
  EXPECT_EQ(contents(victim), "untouched");
  EXPECT_EQ(contents(dir.path() / dead_dir / "inside"), "user file");
  EXPECT_EQ(remove_dead_body_temporaries(out), 0U);
}

TEST(RemoveDeadBodyTemporariesTest, ARemovedDirectoryRemovesNothing) {
  const TempDir dir;
  fs::create_directory(dir.path() / "gone");
  const OutputDir out = open_dir(dir.path() / "gone");
  fs::remove(dir.path() / "gone");
  EXPECT_EQ(remove_dead_body_temporaries(out), 0U);
}

TEST(RemoveDeadBodyTemporariesTest, KeepsTheTemporaryOfABodyBeingSaved) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  auto file = BodyFile::create(out, "http://h/live", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("live"s).has_value());
  EXPECT_EQ(remove_dead_body_temporaries(out), 0U);
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(contents(*saved), "live");
}

TEST(BodyFileTest, WritesExactBytesAndCommitRenames) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  auto file = BodyFile::create(out, "http://h/data", 3);
  ASSERT_TRUE(file.has_value()) << file.error();
  const std::string temporary = body_temporary_name("http://h/data", ::getpid(), 3);
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
  const OutputDir out = open_dir(dir.path());
  auto file = BodyFile::create(out, "http://h/empty", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(fs::file_size(*saved), 0U);
}

TEST(BodyFileTest, AbandonedFileLeavesNothing) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  {
    auto file = BodyFile::create(out, "http://h/x", 1);
    ASSERT_TRUE(file.has_value()) << file.error();
    ASSERT_TRUE(file->write(std::string(100'000, 'x')).has_value());
    EXPECT_EQ(entries(dir.path()).size(), 1U);
  }
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(BodyFileTest, ReplacesAStaleTemporary) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  // Left by a dead process that had this pid.
  const fs::path temporary = dir.path() / body_temporary_name("http://h/x", ::getpid(), 5);
  write_file(temporary, "stale bytes from a crashed run");
  auto file = BodyFile::create(out, "http://h/x", 5);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("new"s).has_value());
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(contents(*saved), "new");
}

TEST(BodyFileTest, NeverWritesThroughAPlantedSymlink) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  const TempDir elsewhere;
  const fs::path victim = elsewhere.path() / "victim";
  write_file(victim, "untouched");
  fs::create_symlink(victim, dir.path() / body_temporary_name("http://h/x", ::getpid(), 0));
  auto file = BodyFile::create(out, "http://h/x", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("new"s).has_value());
  ASSERT_TRUE(file->commit().has_value());
  EXPECT_EQ(contents(victim), "untouched");
}

TEST(BodyFileTest, CommitReplacesAnExistingFile) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  write_file(dir.path() / body_file_name("http://h/x"), "old body");
  auto file = BodyFile::create(out, "http://h/x", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("new body"s).has_value());
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(contents(*saved), "new body");
}

TEST(BodyFileTest, ARemovedDirectoryGivesAnErrorNamingThePath) {
  const TempDir dir;
  const fs::path gone = dir.path() / "gone";
  fs::create_directory(gone);
  const OutputDir out = open_dir(gone);
  fs::remove(gone);
  const auto file = BodyFile::create(out, "http://h/x", 0);
  ASSERT_FALSE(file.has_value());
  EXPECT_NE(file.error().find(gone.string()), std::string::npos) << file.error();
  EXPECT_NE(file.error().find("No such file"), std::string::npos) << file.error();
}

// DIR moved away and a symlink to another directory put at its path: the bodies begun before
// and after the move all land in DIR, and the saved path still spells DIR as it was given.
TEST(BodyFileTest, SavesIntoTheDirectoryItOpenedAfterThatDirectoryMoved) {
  const TempDir root;
  const fs::path given = root.path() / "out";
  const fs::path moved = root.path() / "moved";
  const fs::path elsewhere = root.path() / "elsewhere";
  fs::create_directory(given);
  fs::create_directory(elsewhere);
  const OutputDir out = open_dir(given);
  auto before = BodyFile::create(out, "http://h/before", 0);
  ASSERT_TRUE(before.has_value()) << before.error();
  fs::rename(given, moved);
  fs::create_directory_symlink(elsewhere, given);
  auto after = BodyFile::create(out, "http://h/after", 1);
  ASSERT_TRUE(after.has_value()) << after.error();
  ASSERT_TRUE(before->write("one"s).has_value());
  ASSERT_TRUE(after->write("two"s).has_value());
  const auto saved_before = before->commit();
  const auto saved_after = after->commit();
  ASSERT_TRUE(saved_before.has_value()) << saved_before.error();
  ASSERT_TRUE(saved_after.has_value()) << saved_after.error();

  EXPECT_EQ(*saved_before, given / body_file_name("http://h/before"));
  EXPECT_EQ(entries(moved), (std::set<std::string>{body_file_name("http://h/before"),
                                                   body_file_name("http://h/after")}));
  EXPECT_EQ(contents(moved / body_file_name("http://h/after")), "two");
  EXPECT_TRUE(entries(elsewhere).empty());
}

TEST(BodyFileTest, MovedFileOwnsTheTemporary) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  auto created = BodyFile::create(out, "http://h/moved", 0);
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
  const OutputDir out = open_dir(dir.path());
  auto kept = BodyFile::create(out, "http://h/kept", 0);
  auto dropped = BodyFile::create(out, "http://h/dropped", 1);
  ASSERT_TRUE(kept.has_value() && dropped.has_value());
  *dropped = std::move(*kept);
  EXPECT_EQ(entries(dir.path()),
            std::set<std::string>{body_temporary_name("http://h/kept", ::getpid(), 0)});
  ASSERT_TRUE(dropped->commit().has_value());
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{body_file_name("http://h/kept")});
}

TEST(BodyFileTest, CommitTwiceIsAnError) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  auto file = BodyFile::create(out, "http://h/x", 0);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->commit().has_value());
  EXPECT_FALSE(file->commit().has_value());
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{body_file_name("http://h/x")});
}

// A tree path: the temporary waits in DIR itself, the directories appear only at commit.
TEST(BodyFileTest, ATreePathGetsItsDirectoriesAtCommit) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  auto file = BodyFile::create(out, "http://h/a/b/c.csv", 0, {.path = "h/a/b/c.csv"});
  ASSERT_TRUE(file.has_value()) << file.error();
  EXPECT_EQ(entries(dir.path()),
            std::set<std::string>{body_temporary_name("http://h/a/b/c.csv", ::getpid(), 0)});
  ASSERT_TRUE(file->write("x,y\n"s).has_value());
  const auto saved = file->commit();
  ASSERT_TRUE(saved.has_value()) << saved.error();
  EXPECT_EQ(*saved, dir.path() / "h/a/b/c.csv");
  EXPECT_EQ(contents(*saved), "x,y\n");
  EXPECT_EQ(entries(dir.path()), std::set<std::string>{"h"});
}

// A symlink on the way to a tree path is never followed: the body is not saved through it.
TEST(BodyFileTest, ASymlinkedDirectoryOnTheWayIsRefused) {
  const TempDir dir;
  const TempDir elsewhere;
  const OutputDir out = open_dir(dir.path());
  fs::create_directory_symlink(elsewhere.path(), dir.path() / "h");
  auto file = BodyFile::create(out, "http://h/a", 0, {.path = "h/a"});
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->write("x"s).has_value());
  EXPECT_FALSE(file->commit().has_value());
  EXPECT_TRUE(entries(elsewhere.path()).empty());
}

// A resumable body keeps what arrived when it is abandoned, and the next one appends to it
// or starts over.
TEST(BodyFileTest, AResumableBodyKeepsItsPartAndAppendsOrStartsOver) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  const BodyPlace place{.path = "d/f.bin", .resumable = true};
  {
    auto file = BodyFile::create(out, "http://h/f", 0, place);
    ASSERT_TRUE(file.has_value()) << file.error();
    EXPECT_EQ(file->resume_offset(), 0U);
    ASSERT_TRUE(file->write("first"s).has_value());
  }
  EXPECT_EQ(contents(dir.path() / "d/f.bin.part"), "first");
  {
    auto file = BodyFile::create(out, "http://h/f", 1, place);
    ASSERT_TRUE(file.has_value()) << file.error();
    EXPECT_EQ(file->resume_offset(), 5U);
    // The same part is locked: a second body of the same place saves without resuming.
    auto other = BodyFile::create(out, "http://h/f", 2, place);
    ASSERT_TRUE(other.has_value()) << other.error();
    EXPECT_FALSE(other->resumable());
    ASSERT_TRUE(file->begin(true).has_value());
    ASSERT_TRUE(file->write("-second"s).has_value());
    const auto saved = file->commit();
    ASSERT_TRUE(saved.has_value()) << saved.error();
    EXPECT_EQ(contents(*saved), "first-second");
  }
  EXPECT_EQ(entries(dir.path() / "d"), std::set<std::string>{"f.bin"});
  write_file(dir.path() / "d/f.bin.part", "stale");
  auto file = BodyFile::create(out, "http://h/f", 3, place);
  ASSERT_TRUE(file.has_value()) << file.error();
  ASSERT_TRUE(file->begin(false).has_value());
  ASSERT_TRUE(file->write("whole"s).has_value());
  ASSERT_TRUE(file->commit().has_value());
  EXPECT_EQ(contents(dir.path() / "d/f.bin"), "whole");
}

// An abandoned resumable body that got no byte leaves no empty part; a discarded one none.
TEST(BodyFileTest, AnEmptyOrDiscardedPartIsRemoved) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  const BodyPlace place{.path = "f.bin", .resumable = true};
  { ASSERT_TRUE(BodyFile::create(out, "http://h/f", 0, place).has_value()); }
  EXPECT_TRUE(entries(dir.path()).empty());
  {
    auto file = BodyFile::create(out, "http://h/f", 0, place);
    ASSERT_TRUE(file.has_value()) << file.error();
    ASSERT_TRUE(file->write("bytes"s).has_value());
    file->discard();
  }
  EXPECT_TRUE(entries(dir.path()).empty());
}

// The file an earlier run saved, or none: only a regular file, and one with the digest.
TEST(ExistingBodyTest, FindsOnlyARegularFileWithTheDigest) {
  const TempDir dir;
  const OutputDir out = open_dir(dir.path());
  fs::create_directories(dir.path() / "a");
  write_file(dir.path() / "a/x", "abc");
  EXPECT_EQ(existing_body(out, "a/x", ""), dir.path() / "a/x");
  // SHA-256("abc")
  EXPECT_TRUE(existing_body(out, "a/x",
                            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  EXPECT_FALSE(existing_body(out, "a/x", std::string(64, '0')));
  EXPECT_FALSE(existing_body(out, "a/y", ""));
  EXPECT_FALSE(existing_body(out, "a", ""));
}

}  // namespace
}  // namespace sluice
