// Tests for ResumeIndex and is_final: which records count as done, one skip per record,
// bad lines counted, and unreadable files named in the error.
#include "input/resume_index.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "output/json_lines.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

Record ok_record(const std::string& url) {
  Record record;
  record.url = url;
  record.status = 200;
  record.ok = true;
  record.attempts = 1;
  return record;
}

Record failed_record(const std::string& url, ErrorKind kind, std::optional<int> status = {}) {
  Record record;
  record.url = url;
  record.source = "urls.txt:1";
  record.status = status;
  record.attempts = 1;
  record.error = FetchError{kind, "it failed"};
  return record;
}

std::string line_of(const Record& record) {
  std::string out;
  append_json_line(out, record);
  return out;
}

// Loads `content` as a resume file; fails the test if loading fails.
ResumeIndex load(const std::string& content, bool retry_failed = false) {
  const test::TempDir dir;
  auto index = ResumeIndex::load(dir.write("results.jsonl", content), retry_failed);
  EXPECT_TRUE(index.has_value()) << index.error();
  return std::move(index).value();
}

TEST(ResumeIndexTest, IsFinalForSuccess) {
  EXPECT_TRUE(is_final(ok_record("http://a.test/"), false));
  EXPECT_TRUE(is_final(ok_record("http://a.test/"), true));
}

TEST(ResumeIndexTest, IsFinalNeverForCancelled) {
  EXPECT_FALSE(is_final(failed_record("http://a.test/", ErrorKind::Cancelled), false));
  EXPECT_FALSE(is_final(failed_record("http://a.test/", ErrorKind::Cancelled), true));
}

TEST(ResumeIndexTest, IsFinalNeverForTransientFailures) {
  for (const bool retry_failed : {false, true}) {
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Timeout), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Connect), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Network), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Http, 503), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Http, 429), retry_failed));
  }
}

TEST(ResumeIndexTest, IsFinalForOtherFailuresUnlessRetryFailed) {
  for (const Record& record :
       {failed_record("u", ErrorKind::Http, 404), failed_record("u", ErrorKind::InvalidUrl),
        failed_record("u", ErrorKind::Dns), failed_record("u", ErrorKind::Tls),
        failed_record("u", ErrorKind::TooLarge)}) {
    EXPECT_TRUE(is_final(record, false)) << to_string(record.error->kind);
    EXPECT_FALSE(is_final(record, true)) << to_string(record.error->kind);
  }
}

TEST(ResumeIndexTest, IsFinalNotForNotOkWithoutError) {
  Record record = ok_record("http://a.test/");
  record.ok = false;
  EXPECT_FALSE(is_final(record, false));
}

TEST(ResumeIndexTest, SkipsUrlWithSuccessOnce) {
  auto index = load(line_of(ok_record("http://a.test/x")));
  EXPECT_EQ(index.final_records(), 1u);
  EXPECT_FALSE(index.consume("http://a.test/x/"));
  EXPECT_TRUE(index.consume("http://a.test/x"));
  EXPECT_FALSE(index.consume("http://a.test/x"));
  EXPECT_EQ(index.skipped_lines(), 0u);
  EXPECT_EQ(index.first_bad_line(), 0u);
  EXPECT_FALSE(index.ends_mid_line());
}

TEST(ResumeIndexTest, FetchesCancelledAndTransientAgain) {
  auto index = load(line_of(failed_record("http://a.test/c", ErrorKind::Cancelled)) +
                    line_of(failed_record("http://a.test/t", ErrorKind::Timeout)) +
                    line_of(failed_record("http://a.test/s", ErrorKind::Http, 503)));
  EXPECT_EQ(index.final_records(), 0u);
  EXPECT_FALSE(index.consume("http://a.test/c"));
  EXPECT_FALSE(index.consume("http://a.test/t"));
  EXPECT_FALSE(index.consume("http://a.test/s"));
  EXPECT_EQ(index.skipped_lines(), 0u);
}

TEST(ResumeIndexTest, SkipsPermanentFailuresUnlessRetryFailed) {
  const std::string content = line_of(failed_record("http://a.test/404", ErrorKind::Http, 404)) +
                              line_of(failed_record("nonsense", ErrorKind::InvalidUrl)) +
                              line_of(failed_record("http://nx.test/", ErrorKind::Dns)) +
                              line_of(ok_record("http://a.test/ok"));

  auto skipping = load(content, false);
  EXPECT_EQ(skipping.final_records(), 4u);
  EXPECT_TRUE(skipping.consume("http://a.test/404"));
  EXPECT_TRUE(skipping.consume("nonsense"));
  EXPECT_TRUE(skipping.consume("http://nx.test/"));
  EXPECT_TRUE(skipping.consume("http://a.test/ok"));

  auto retrying = load(content, true);
  EXPECT_EQ(retrying.final_records(), 1u);
  EXPECT_FALSE(retrying.consume("http://a.test/404"));
  EXPECT_FALSE(retrying.consume("nonsense"));
  EXPECT_FALSE(retrying.consume("http://nx.test/"));
  EXPECT_TRUE(retrying.consume("http://a.test/ok"));
}

TEST(ResumeIndexTest, TwoRecordsOneInputOccurrenceSkipsOnce) {
  auto index = load(line_of(ok_record("http://a.test/")) + line_of(ok_record("http://a.test/")));
  EXPECT_EQ(index.final_records(), 2u);
  EXPECT_TRUE(index.consume("http://a.test/"));
}

TEST(ResumeIndexTest, OneRecordTwoInputOccurrencesSkipsOnceFetchesOnce) {
  auto index = load(line_of(ok_record("http://a.test/")));
  EXPECT_TRUE(index.consume("http://a.test/"));
  EXPECT_FALSE(index.consume("http://a.test/"));
}

TEST(ResumeIndexTest, TwoRecordsTwoInputOccurrencesSkipsBoth) {
  auto index = load(line_of(ok_record("http://a.test/")) + line_of(ok_record("http://b.test/")) +
                    line_of(ok_record("http://a.test/")));
  EXPECT_TRUE(index.consume("http://a.test/"));
  EXPECT_TRUE(index.consume("http://a.test/"));
  EXPECT_FALSE(index.consume("http://a.test/"));
  EXPECT_TRUE(index.consume("http://b.test/"));
}

TEST(ResumeIndexTest, TransientThenSuccessCountsOnlyTheSuccess) {
  auto index = load(line_of(failed_record("http://a.test/", ErrorKind::Timeout)) +
                    line_of(ok_record("http://a.test/")));
  EXPECT_EQ(index.final_records(), 1u);
  EXPECT_TRUE(index.consume("http://a.test/"));
  EXPECT_FALSE(index.consume("http://a.test/"));
}

TEST(ResumeIndexTest, TornLastLineIsSkippedAndCounted) {
  const std::string torn = line_of(ok_record("http://c.test/"));
  auto index = load(line_of(ok_record("http://a.test/")) + line_of(ok_record("http://b.test/")) +
                    torn.substr(0, torn.size() / 2));
  EXPECT_EQ(index.final_records(), 2u);
  EXPECT_EQ(index.skipped_lines(), 1u);
  EXPECT_EQ(index.first_bad_line(), 3u);
  EXPECT_TRUE(index.ends_mid_line());
  EXPECT_TRUE(index.consume("http://a.test/"));
  EXPECT_TRUE(index.consume("http://b.test/"));
  EXPECT_FALSE(index.consume("http://c.test/"));
}

TEST(ResumeIndexTest, LastLineWithoutNewlineStillCounts) {
  std::string line = line_of(ok_record("http://a.test/"));
  line.pop_back();
  auto index = load(line);
  EXPECT_EQ(index.final_records(), 1u);
  EXPECT_EQ(index.skipped_lines(), 0u);
  EXPECT_TRUE(index.ends_mid_line());
}

TEST(ResumeIndexTest, JunkAndOverlongLinesAreSkippedAndCounted) {
  const std::string overlong = R"({"url":")" + std::string(ResumeIndex::kMaxLineBytes, 'x') + "\"}";
  auto index = load(line_of(ok_record("http://a.test/")) +  // line 1
                    "\n" +                                  // 2: empty, ignored
                    "garbage\n" +                           // 3
                    R"({"url":"http://b.test/"})"
                    "\n" +                                  // 4: valid JSON, not a record
                    line_of(ok_record("http://c.test/")) +  // 5
                    overlong +
                    "\n" +       // 6
                    "[1,2]\n");  // 7
  EXPECT_EQ(index.final_records(), 2u);
  EXPECT_EQ(index.skipped_lines(), 4u);
  EXPECT_EQ(index.first_bad_line(), 3u);
  EXPECT_FALSE(index.ends_mid_line());
  EXPECT_TRUE(index.consume("http://a.test/"));
  EXPECT_FALSE(index.consume("http://b.test/"));
  EXPECT_TRUE(index.consume("http://c.test/"));
}

TEST(ResumeIndexTest, EmptyFileHasNoRecords) {
  auto index = load("");
  EXPECT_EQ(index.final_records(), 0u);
  EXPECT_EQ(index.skipped_lines(), 0u);
  EXPECT_EQ(index.first_bad_line(), 0u);
  EXPECT_FALSE(index.ends_mid_line());
  EXPECT_FALSE(index.consume("http://a.test/"));
}

TEST(ResumeIndexTest, MissingFileIsAnErrorNamingIt) {
  const test::TempDir dir;
  const auto path = dir.path() / "absent.jsonl";
  const auto index = ResumeIndex::load(path, false);
  ASSERT_FALSE(index.has_value());
  EXPECT_EQ(index.error(),
            "cannot read resume file '" + path.string() + "': No such file or directory");
}

TEST(ResumeIndexTest, DirectoryIsAnErrorNamingIt) {
  const test::TempDir dir;
  const auto index = ResumeIndex::load(dir.path(), false);
  ASSERT_FALSE(index.has_value());
  EXPECT_EQ(index.error(), "cannot read resume file '" + dir.path().string() + "': Is a directory");
}

TEST(ResumeIndexTest, UnreadableFileIsAnErrorNamingIt) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const test::TempDir dir;
  const auto path = dir.write("results.jsonl", line_of(ok_record("http://a.test/")));
  std::filesystem::permissions(path, std::filesystem::perms::none);
  const auto index = ResumeIndex::load(path, false);
  ASSERT_FALSE(index.has_value());
  EXPECT_EQ(index.error(), "cannot read resume file '" + path.string() + "': Permission denied");
}

TEST(ResumeIndexTest, LoadsManyRecords) {
  constexpr std::uint64_t kRecords = 100'000;
  std::string content;
  for (std::uint64_t i = 0; i < kRecords; ++i) {
    const std::string url = "http://a.test/" + std::to_string(i);
    append_json_line(content,
                     i % 10 == 0 ? failed_record(url, ErrorKind::Timeout) : ok_record(url));
  }
  auto index = load(content);
  EXPECT_EQ(index.final_records(), kRecords - kRecords / 10);
  std::uint64_t skipped = 0;
  for (std::uint64_t i = 0; i < kRecords; ++i) {
    const bool consumed = index.consume("http://a.test/" + std::to_string(i));
    EXPECT_EQ(consumed, i % 10 != 0) << i;
    skipped += consumed ? 1 : 0;
  }
  EXPECT_EQ(skipped, index.final_records());
}

}  // namespace
}  // namespace sluice
