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

// The KEY a claim gave, or "" when the file was gone or failed.
std::string claimed(const Claim& claim) {
  return claim.status == Claim::Status::Claimed ? claim.key : "";
}

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
  EXPECT_EQ(claimed(folders.claim("a.txt")), "a.txt");
  EXPECT_EQ(folders.claim("a.txt").status, Claim::Status::Gone);  // already claimed
  dir_.write("in/a.txt", "second\n");
  EXPECT_EQ(claimed(folders.claim("a.txt")), "a.txt.2");
  EXPECT_EQ(test::read_file(folders.list_file("a.txt")), "first\n");
  EXPECT_EQ(test::read_file(folders.list_file("a.txt.2")), "second\n");
  EXPECT_EQ(folders.active_keys(), (std::vector<std::string>{"a.txt", "a.txt.2"}));
}

TEST_F(JobFoldersTest, KeysOfFinishedAndFailedJobsStayTaken) {
  const JobFolders folders(inbox_, outbox_);
  dir_.write("in/a.txt", "");
  ASSERT_EQ(claimed(folders.claim("a.txt")), "a.txt");
  dir_.write("out/.a.txt.jsonl.part", "{}\n");
  EXPECT_EQ(folders.finish("a.txt", "{\"urls\": 1}\n"), "");
  EXPECT_EQ(test::read_file(outbox_ / "a.txt.jsonl"), "{}\n");
  EXPECT_EQ(test::read_file(outbox_ / "a.txt.summary.json"), "{\"urls\": 1}\n");
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "a.txt"));
  EXPECT_TRUE(folders.active_keys().empty());

  dir_.write("in/a.txt", "");
  ASSERT_EQ(claimed(folders.claim("a.txt")), "a.txt.2");
  folders.fail("a.txt.2", "cannot read list file 'a.txt.2': nope");
  EXPECT_TRUE(fs::exists(inbox_ / ".failed" / "a.txt.2"));
  EXPECT_EQ(test::read_file(inbox_ / ".failed" / "a.txt.2.reason"),
            "cannot read list file 'a.txt.2': nope\n");
  dir_.write("in/a.txt", "");
  EXPECT_EQ(claimed(folders.claim("a.txt")), "a.txt.3");
}

TEST_F(JobFoldersTest, ResultsRenamedBeforeACrashMarkTheJobComplete) {
  const JobFolders folders(inbox_, outbox_);
  dir_.write("in/a.txt", "");
  ASSERT_EQ(claimed(folders.claim("a.txt")), "a.txt");
  dir_.write("out/.a.txt.jsonl.part", "");
  EXPECT_FALSE(folders.results_complete("a.txt"));
  fs::rename(outbox_ / ".a.txt.jsonl.part", outbox_ / "a.txt.jsonl");
  EXPECT_TRUE(folders.results_complete("a.txt"));
  folders.retire("a.txt");
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / "a.txt"));
}

// OUTBOX/.KEY.summary.json.part is the longest name derived from a KEY, and KEY may gain
// ".1000": 255 - 19 - 5 bytes is the longest name kept as it is.
TEST(JobKeyTest, NamesThatLeaveRoomForTheirDerivedNamesAreKept) {
  const std::string longest = std::string(227, 'a') + ".txt";
  EXPECT_EQ(job_key(longest), longest);
  EXPECT_EQ(job_key("urls.txt"), "urls.txt");
}

TEST(JobKeyTest, LongerNamesAreCutWithAHashOfTheWholeNameAndKeepTheirExtension) {
  const std::string name = std::string(236, 'a') + ".txt";
  const std::string key = job_key(name);
  EXPECT_EQ(key.size(), 231u);
  EXPECT_TRUE(key.ends_with(".txt")) << key;
  EXPECT_EQ(key.substr(0, 200), name.substr(0, 200));
  EXPECT_EQ(key[key.size() - 4 - 12 - 1], '-') << key;
  // Same name, same key; another name with the same prefix, another key.
  EXPECT_EQ(job_key(name), key);
  EXPECT_NE(job_key(std::string(236, 'a') + "b.txt"), key);
  // A long "extension" is just part of the name.
  const std::string dotted = "x." + std::string(250, 'b');
  EXPECT_EQ(job_key(dotted).size(), 231u);
  EXPECT_EQ(job_key(dotted).find('.'), 1u);
}

TEST(JobKeyTest, ACutNeverSplitsAUtf8Character) {
  for (const std::string character : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"}) {
    std::string name;
    while (name.size() < 250) name += character;
    const std::string key = job_key(name);
    const std::size_t prefix = key.size() - 12 - 1;
    EXPECT_LE(key.size(), 231u);
    EXPECT_EQ(prefix % character.size(), 0u) << key;
    EXPECT_EQ(key.substr(0, prefix), name.substr(0, prefix));
  }
}

// Before: a name of 237-243 bytes was claimed as it was, and the job failed at its end
// (".NAME.summary.json.part" too long), with every record deleted.
TEST_F(JobFoldersTest, AListWithANameNearNameMaxIsClaimedUnderAKeyWhoseNamesAllFit) {
  const JobFolders folders(inbox_, outbox_);
  const std::string name = std::string(236, 'a') + ".txt";
  dir_.write("in/" + name, "first\n");
  const auto claim = folders.claim(name);
  ASSERT_EQ(claim.status, Claim::Status::Claimed);
  EXPECT_EQ(claim.key, job_key(name));
  dir_.write("out/." + claim.key + ".jsonl.part", "{}\n");
  EXPECT_EQ(folders.finish(claim.key, "{}\n"), "");
  EXPECT_EQ(test::read_file(folders.results(claim.key)), "{}\n");
  EXPECT_TRUE(fs::exists(inbox_ / ".done" / claim.key));

  dir_.write("in/" + name, "second\n");
  const auto second = folders.claim(name);
  ASSERT_EQ(second.status, Claim::Status::Claimed);
  EXPECT_EQ(second.key, claim.key + ".2");
  folders.fail(second.key, "a reason");
  EXPECT_EQ(test::read_file(inbox_ / ".failed" / (second.key + ".reason")), "a reason\n");
}

// Before: stat(2) said "name too long" for a name of 244+ bytes, which counted as taken; the
// claim tried 100,000 keys and left the file in INBOX.
TEST_F(JobFoldersTest, AListWithANameOfNameMaxBytesIsClaimed) {
  const JobFolders folders(inbox_, outbox_);
  const std::string name = std::string(251, 'b') + ".txt";
  dir_.write("in/" + name, "urls\n");
  const auto claim = folders.claim(name);
  ASSERT_EQ(claim.status, Claim::Status::Claimed);
  EXPECT_EQ(test::read_file(folders.list_file(claim.key)), "urls\n");
}

TEST_F(JobFoldersTest, AnErrorOtherThanExistsFailsTheFileWithAReason) {
  const JobFolders folders(inbox_, outbox_);
  // OUTBOX/NAME.jsonl now cannot be looked at: "Not a directory".
  fs::remove(outbox_);
  dir_.write("out", "");
  dir_.write("in/a.txt", "urls\n");
  const auto claim = folders.claim("a.txt");
  ASSERT_EQ(claim.status, Claim::Status::Failed);
  EXPECT_EQ(claim.key, "a.txt");
  EXPECT_NE(claim.reason.find("Not a directory"), std::string::npos) << claim.reason;
  EXPECT_EQ(test::read_file(inbox_ / ".failed" / "a.txt"), "urls\n");
  EXPECT_EQ(test::read_file(inbox_ / ".failed" / "a.txt.reason"), claim.reason + "\n");
}

TEST_F(JobFoldersTest, TheSearchForAFreeKeyIsBounded) {
  const JobFolders folders(inbox_, outbox_);
  dir_.write("in/.done/a.txt", "");
  for (int n = 2; n <= kMaxSameName; ++n) dir_.write("in/.done/a.txt." + std::to_string(n), "");
  dir_.write("in/a.txt", "urls\n");
  const auto claim = folders.claim("a.txt");
  ASSERT_EQ(claim.status, Claim::Status::Failed);
  EXPECT_NE(claim.reason.find("are all taken"), std::string::npos) << claim.reason;
  EXPECT_TRUE(fs::exists(inbox_ / ".failed" / "a.txt"));
}

TEST_F(JobFoldersTest, OutboxHasRoomUnlessTheReservationFails) {
  const JobFolders folders(inbox_, outbox_);
  EXPECT_TRUE(folders.outbox_has_room(4096));
  EXPECT_TRUE(fs::is_empty(outbox_));
  fs::remove(outbox_);
  EXPECT_FALSE(folders.outbox_has_room(4096));
}

}  // namespace
}  // namespace sluice::detail
