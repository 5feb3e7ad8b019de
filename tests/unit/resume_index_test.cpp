// Tests for ResumeIndex: one skip per final record, bad lines counted, the file rewritten
// without the rest only when it has some, and unreadable files named in the error.
#include "input/resume_index.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "record_codec.hpp"
#include "support/records.hpp"
#include "support/sample_records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace detail;

using test::failed_record;
using test::ok_record;

using test::line_of;

// Loads `content` as a resume file; fails the test if loading fails.
ResumeIndex load(const std::string& content, bool retry_failed = false) {
  const test::TempDir dir;
  auto index = ResumeIndex::load(dir.write("results.jsonl", content), retry_failed);
  EXPECT_TRUE(index.has_value()) << index.error();
  return std::move(index).value();
}

TEST(ResumeIndexTest, SkipsUrlWithSuccessOnce) {
  auto index = load(line_of(ok_record("http://a.test/x")));
  EXPECT_EQ(index.final_records(), 1u);
  EXPECT_EQ(index.consume("http://a.test/x/"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://a.test/x"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://a.test/x"), FinalRecord::None);
  EXPECT_EQ(index.skipped_lines(), 0u);
  EXPECT_EQ(index.first_bad_line(), 0u);
  EXPECT_FALSE(index.ends_mid_line());
}

TEST(ResumeIndexTest, FetchesCancelledAndTransientAgain) {
  auto index = load(line_of(failed_record("http://a.test/c", ErrorKind::Cancelled)) +
                    line_of(failed_record("http://a.test/t", ErrorKind::Timeout)) +
                    line_of(failed_record("http://a.test/s", ErrorKind::Http, 503)));
  EXPECT_EQ(index.final_records(), 0u);
  EXPECT_EQ(index.consume("http://a.test/c"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://a.test/t"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://a.test/s"), FinalRecord::None);
  EXPECT_EQ(index.skipped_lines(), 0u);
}

TEST(ResumeIndexTest, SkipsPermanentFailuresUnlessRetryFailed) {
  const std::string content = line_of(failed_record("http://a.test/404", ErrorKind::Http, 404)) +
                              line_of(failed_record("nonsense", ErrorKind::InvalidUrl)) +
                              line_of(failed_record("http://nx.test/", ErrorKind::Dns)) +
                              line_of(ok_record("http://a.test/ok"));

  auto skipping = load(content, false);
  EXPECT_EQ(skipping.final_records(), 4u);
  EXPECT_EQ(skipping.consume("http://a.test/404"), FinalRecord::Failure);
  EXPECT_EQ(skipping.consume("nonsense"), FinalRecord::Failure);
  EXPECT_EQ(skipping.consume("http://nx.test/"), FinalRecord::Failure);
  EXPECT_EQ(skipping.consume("http://a.test/ok"), FinalRecord::Ok);

  auto retrying = load(content, true);
  EXPECT_EQ(retrying.final_records(), 1u);
  EXPECT_EQ(retrying.consume("http://a.test/404"), FinalRecord::None);
  EXPECT_EQ(retrying.consume("nonsense"), FinalRecord::None);
  EXPECT_EQ(retrying.consume("http://nx.test/"), FinalRecord::None);
  EXPECT_EQ(retrying.consume("http://a.test/ok"), FinalRecord::Ok);
}

TEST(ResumeIndexTest, TwoRecordsOneInputOccurrenceSkipsOnce) {
  auto index = load(line_of(ok_record("http://a.test/")) + line_of(ok_record("http://a.test/")));
  EXPECT_EQ(index.final_records(), 2u);
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::Ok);
}

TEST(ResumeIndexTest, OneRecordTwoInputOccurrencesSkipsOnceFetchesOnce) {
  auto index = load(line_of(ok_record("http://a.test/")));
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::None);
}

TEST(ResumeIndexTest, TwoRecordsTwoInputOccurrencesSkipsBoth) {
  auto index = load(line_of(ok_record("http://a.test/")) + line_of(ok_record("http://b.test/")) +
                    line_of(ok_record("http://a.test/")));
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://b.test/"), FinalRecord::Ok);
}

// A request line's own id joins it to its record, so one URL sent twice is two requests; an
// id that is only the record's source (a plain URL list) leaves the URL alone to decide.
TEST(ResumeIndexTest, ARequestWithItsOwnIdIsKnownByUrlAndId) {
  Record first = ok_record("http://a.test/");
  first.id = "first";
  first.source = "r.jsonl:1";
  Record plain = ok_record("http://b.test/");
  plain.id = "urls.txt:1";
  plain.source = "urls.txt:1";
  auto index = load(line_of(first) + line_of(plain));
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://a.test/", "second"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://a.test/", "first"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://b.test/"), FinalRecord::Ok);
}

TEST(ResumeIndexTest, JoiningIdIsARequestsOwnIdOnly) {
  InputItem item;
  item.source = "r.jsonl:3";
  EXPECT_EQ(joining_id(item), "");
  item.request.edit().id = "r.jsonl:3";
  EXPECT_EQ(joining_id(item), "");
  item.request.edit().id = "row-9";
  EXPECT_EQ(joining_id(item), "row-9");
}

TEST(ResumeIndexTest, TransientThenSuccessCountsOnlyTheSuccess) {
  auto index = load(line_of(failed_record("http://a.test/", ErrorKind::Timeout)) +
                    line_of(ok_record("http://a.test/")));
  EXPECT_EQ(index.final_records(), 1u);
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::None);
}

TEST(ResumeIndexTest, TornLastLineIsSkippedCountedAndRewrittenAway) {
  const test::TempDir dir;
  const std::string torn = line_of(ok_record("http://c.test/"));
  const std::string whole =
      line_of(ok_record("http://a.test/")) + line_of(ok_record("http://b.test/"));
  const auto file = dir.write("results.jsonl", whole + torn.substr(0, torn.size() / 2));
  auto index = ResumeIndex::load(file, false).value();
  EXPECT_EQ(index.final_records(), 2u);
  EXPECT_EQ(index.skipped_lines(), 1u);
  EXPECT_EQ(index.first_bad_line(), 3u);
  EXPECT_EQ(test::read_file(file), whole);
  EXPECT_FALSE(index.ends_mid_line());
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://b.test/"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://c.test/"), FinalRecord::None);
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
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://b.test/"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://c.test/"), FinalRecord::Ok);
}

TEST(ResumeIndexTest, RewritesTheFileWithoutItsRecordsThatAreNotFinal) {
  const test::TempDir dir;
  const std::string ok = line_of(ok_record("http://a.test/1"));
  const std::string not_found = line_of(failed_record("http://a.test/2", ErrorKind::Http, 404));
  const auto file =
      dir.write("results.jsonl",
                ok + line_of(failed_record("http://a.test/3", ErrorKind::Cancelled)) + "junk\n" +
                    not_found + line_of(failed_record("http://a.test/4", ErrorKind::Http, 503)) +
                    R"({"url":"http://a.test/5","status":200,"ok":tr)");
  auto index = ResumeIndex::load(file, false).value();
  EXPECT_EQ(index.final_records(), 2u);
  EXPECT_EQ(test::read_file(file), ok + not_found);
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".kept"));
}

TEST(ResumeIndexTest, RetryFailedAlsoRewritesPermanentFailuresAway) {
  const test::TempDir dir;
  const std::string ok = line_of(ok_record("http://a.test/1"));
  const auto file = dir.write("results.jsonl",
                              line_of(failed_record("http://a.test/2", ErrorKind::Http, 404)) + ok +
                                  line_of(failed_record("http://nx.test/", ErrorKind::Dns)));
  auto index = ResumeIndex::load(file, true).value();
  EXPECT_EQ(index.final_records(), 1u);
  EXPECT_EQ(test::read_file(file), ok);
}

TEST(ResumeIndexTest, AFileOfFinalRecordsOnlyIsNotRewritten) {
  const test::TempDir dir;
  std::string content = line_of(ok_record("http://a.test/1")) + "\n" +
                        line_of(failed_record("http://a.test/2", ErrorKind::Http, 404)) +
                        line_of(ok_record("http://a.test/3"));
  content.pop_back();  // a final record on a last line without '\n' stays too
  const auto file = dir.write("results.jsonl", content);
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  auto index = ResumeIndex::load(file, false).value();
  EXPECT_EQ(index.final_records(), 3u);
  EXPECT_TRUE(index.ends_mid_line());
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(test::read_file(file), content);
}

TEST(ResumeIndexTest, AFileThatCannotBeRewrittenIsAnErrorNamingTheTemporaryFile) {
  const test::TempDir dir;
  const auto file =
      dir.write("results.jsonl", line_of(failed_record("http://a.test/", ErrorKind::Cancelled)));
  std::filesystem::create_directory(file.string() + ".kept");
  const auto index = ResumeIndex::load(file, false);
  ASSERT_FALSE(index.has_value());
  EXPECT_EQ(index.error(), "cannot write '" + file.string() + ".kept': Is a directory");
}

TEST(ResumeIndexTest, TellsAFailedRecordFromAnOkOne) {
  auto index = load(line_of(failed_record("http://a.test/", ErrorKind::Http, 404)) +
                    line_of(ok_record("http://a.test/")) + line_of(ok_record("http://b.test/")));
  // Each record of a.test is consumed once, in either order.
  const auto first = index.consume("http://a.test/");
  const auto second = index.consume("http://a.test/");
  EXPECT_NE(first, second);
  EXPECT_TRUE(first == FinalRecord::Failure || second == FinalRecord::Failure);
  EXPECT_TRUE(first == FinalRecord::Ok || second == FinalRecord::Ok);
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::None);
  EXPECT_EQ(index.consume("http://b.test/"), FinalRecord::Ok);
}

TEST(ResumeSkipsTest, CountsTheSkippedUrlsAndTheirFailures) {
  std::optional<ResumeIndex> index =
      load(line_of(failed_record("http://a.test/", ErrorKind::Http, 404)) +
           line_of(ok_record("http://b.test/")));
  ResumeSkips skips;
  EXPECT_TRUE(skips.skip(index, "http://a.test/"));
  EXPECT_TRUE(skips.skip(index, "http://b.test/"));
  EXPECT_FALSE(skips.skip(index, "http://b.test/"));  // its one record is consumed
  EXPECT_FALSE(skips.skip(index, "http://c.test/"));
  EXPECT_EQ(skips.skipped(), 2u);
  EXPECT_EQ(skips.failures(), 1u);

  std::optional<ResumeIndex> nothing_resumed;
  EXPECT_FALSE(skips.skip(nothing_resumed, "http://a.test/"));
  EXPECT_EQ(skips.skipped(), 2u);
}

TEST(ResumeIndexTest, AnInputUrlWithInvalidUtf8FindsItsRecord) {
  // The record holds U+FFFD where the line had bytes that are not UTF-8.
  const std::string raw = "http://bad\xff\xfe/x";
  const std::string unicode = "http://\xc3\xbc.test/";  // valid UTF-8, written unchanged
  auto index =
      load(line_of(failed_record(raw, ErrorKind::InvalidUrl)) + line_of(ok_record(unicode)));
  EXPECT_EQ(index.final_records(), 2u);
  EXPECT_EQ(index.consume(raw), FinalRecord::Failure);
  EXPECT_EQ(index.consume(raw), FinalRecord::None);
  EXPECT_EQ(index.consume(unicode), FinalRecord::Ok);
}

TEST(ResumeIndexTest, EmptyFileHasNoRecords) {
  auto index = load("");
  EXPECT_EQ(index.final_records(), 0u);
  EXPECT_EQ(index.skipped_lines(), 0u);
  EXPECT_EQ(index.first_bad_line(), 0u);
  EXPECT_FALSE(index.ends_mid_line());
  EXPECT_EQ(index.consume("http://a.test/"), FinalRecord::None);
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

// A file that opens but fails on read, for root too (file modes would not stop root): the
// process's own memory file fails at offset 0, which no mapping covers.
TEST(ResumeIndexTest, UnreadableFileIsAnErrorNamingIt) {
  const std::filesystem::path path = "/proc/self/mem";
  const auto index = ResumeIndex::load(path, false);
  ASSERT_FALSE(index.has_value());
  EXPECT_EQ(index.error(),
            "cannot read resume file '/proc/self/mem': read failed: Input/output error");
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
    const bool consumed = index.consume("http://a.test/" + std::to_string(i)) != FinalRecord::None;
    EXPECT_EQ(consumed, i % 10 != 0) << i;
    skipped += consumed ? 1 : 0;
  }
  EXPECT_EQ(skipped, index.final_records());
}

}  // namespace
}  // namespace sluice
