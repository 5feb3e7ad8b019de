#include "watch/job_folders.hpp"

#include <gtest/gtest.h>

#include "sluice/errors.hpp"
#include "support/temp_dir.hpp"

namespace sluice::detail {
namespace {

namespace fs = std::filesystem;

class JobFoldersTest : public ::testing::Test {
 protected:
  JobFoldersTest() { fs::create_directory(dir_.path() / "in"); }

  test::TempDir dir_;
  fs::path inbox_ = dir_.path() / "in";
  fs::path outbox_ = dir_.path() / "out";
};

TEST(JobFoldersNameTest, HiddenAndTemporaryNamesAreIgnored) {
  EXPECT_TRUE(is_ignored_name(".urls.txt"));
  EXPECT_TRUE(is_ignored_name(".active"));
  EXPECT_TRUE(is_ignored_name("urls.tmp"));
  EXPECT_TRUE(is_ignored_name("urls.txt.part"));
  EXPECT_FALSE(is_ignored_name("urls.txt"));
  EXPECT_FALSE(is_ignored_name("urls.tmp.txt"));
}

TEST_F(JobFoldersTest, CreatesItsFoldersAndRefusesAnInboxThatIsNoFolder) {
  const JobFolders folders(inbox_, outbox_);
  EXPECT_TRUE(fs::is_directory(inbox_ / ".active"));
  EXPECT_TRUE(fs::is_directory(inbox_ / ".done"));
  EXPECT_TRUE(fs::is_directory(inbox_ / ".failed"));
  EXPECT_TRUE(fs::is_directory(outbox_));
  EXPECT_THROW(JobFolders(dir_.path() / "missing", outbox_), UsageError);
  dir_.write("file", "");
  EXPECT_THROW(JobFolders(dir_.path() / "file", outbox_), UsageError);
}

TEST_F(JobFoldersTest, ASecondFileOfTheSameNameGetsTheNextKey) {
  const JobFolders folders(inbox_, outbox_);
  dir_.write("in/a.txt", "first\n");
  EXPECT_EQ(folders.claim("a.txt"), "a.txt");
  EXPECT_EQ(folders.claim("a.txt"), std::nullopt);  // already claimed
  dir_.write("in/a.txt", "second\n");
  EXPECT_EQ(folders.claim("a.txt"), "a.txt.2");
  EXPECT_EQ(test::read_file(folders.list_file("a.txt")), "first\n");
  EXPECT_EQ(test::read_file(folders.list_file("a.txt.2")), "second\n");
  EXPECT_EQ(folders.active_keys(), (std::vector<std::string>{"a.txt", "a.txt.2"}));
}

TEST_F(JobFoldersTest, KeysOfFinishedAndFailedJobsStayTaken) {
  const JobFolders folders(inbox_, outbox_);
  dir_.write("in/a.txt", "");
  ASSERT_EQ(folders.claim("a.txt"), "a.txt");
  dir_.write("out/.a.txt.jsonl.part", "{}\n");
  EXPECT_EQ(folders.finish("a.txt", "{\"urls\": 1}\n"), "");
  EXPECT_EQ(test::read_file(outbox_ / "a.txt.jsonl"), "{}\n");
  EXPECT_EQ(test::read_file(outbox_ / "a.txt.summary.json"), "{\"urls\": 1}\n");
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "a.txt"));
  EXPECT_TRUE(folders.active_keys().empty());

  dir_.write("in/a.txt", "");
  ASSERT_EQ(folders.claim("a.txt"), "a.txt.2");
  folders.fail("a.txt.2", "cannot read list file 'a.txt.2': nope");
  EXPECT_TRUE(fs::exists(inbox_ / ".failed" / "a.txt.2"));
  EXPECT_EQ(test::read_file(inbox_ / ".failed" / "a.txt.2.reason"),
            "cannot read list file 'a.txt.2': nope\n");
  dir_.write("in/a.txt", "");
  EXPECT_EQ(folders.claim("a.txt"), "a.txt.3");
}

TEST_F(JobFoldersTest, ResultsRenamedBeforeACrashMarkTheJobComplete) {
  const JobFolders folders(inbox_, outbox_);
  dir_.write("in/a.txt", "");
  ASSERT_EQ(folders.claim("a.txt"), "a.txt");
  dir_.write("out/.a.txt.jsonl.part", "");
  EXPECT_FALSE(folders.results_complete("a.txt"));
  fs::rename(outbox_ / ".a.txt.jsonl.part", outbox_ / "a.txt.jsonl");
  EXPECT_TRUE(folders.results_complete("a.txt"));
  folders.retire("a.txt");
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "a.txt"));
}

}  // namespace
}  // namespace sluice::detail
