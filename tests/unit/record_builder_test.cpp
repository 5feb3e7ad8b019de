// Records built from input items and from libcurl's account of an answer.
#include "engines/record_builder.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

InputItem retried_item() {
  InputItem item;
  item.index = 3;
  item.url = "example.com/a";
  item.fetch_url = "http://example.com/a";
  item.source = "list.txt:4";
  item.attempts = 2;
  item.last_error = FetchError{ErrorKind::Timeout, "too slow"};
  return item;
}

TEST(UnfetchedRecordTest, KeepsUrlSourceAndErrorWithoutAttempts) {
  InputItem item;
  item.index = 7;
  item.url = "bad url";
  item.source = "list.txt:8";
  const Record record = unfetched_record(std::move(item), {ErrorKind::InvalidUrl, "no host"});
  EXPECT_EQ(record.index, 7u);
  EXPECT_EQ(record.url, "bad url");
  EXPECT_EQ(record.source, "list.txt:8");
  EXPECT_FALSE(record.ok);
  EXPECT_EQ(record.attempts, 0);
  ASSERT_TRUE(record.error);
  EXPECT_EQ(record.error->kind, ErrorKind::InvalidUrl);
}

TEST(CancelledRecordTest, NamesTheFailedAttemptOfARetriedItem) {
  const Record fresh = cancelled_record(InputItem{});
  ASSERT_TRUE(fresh.error);
  EXPECT_EQ(fresh.error->kind, ErrorKind::Cancelled);
  EXPECT_EQ(fresh.error->message, "the run was stopped before this URL was fetched");

  const Record retried = cancelled_record(retried_item());
  ASSERT_TRUE(retried.error);
  EXPECT_EQ(retried.attempts, 2);
  EXPECT_EQ(retried.error->message,
            "the run was stopped before this URL was fetched; attempt 2 had failed: too slow");
}

TEST(CancelledRecordTest, KeepsTheStatusOfTheFailedAttempt) {
  InputItem item = retried_item();
  item.last_status = 503;
  EXPECT_EQ(cancelled_record(std::move(item)).status, 503);
  EXPECT_FALSE(cancelled_record(retried_item()).status);
}

TEST(AttemptRecordTest, CountsThisAttemptAndTakesTheUrlAndSource) {
  InputItem item = retried_item();
  const Record record = attempt_record(item, 42);
  EXPECT_EQ(record.index, 3u);
  EXPECT_EQ(record.url, "example.com/a");
  EXPECT_EQ(record.source, "list.txt:4");
  EXPECT_EQ(record.attempts, 3);
  EXPECT_EQ(record.bytes, 42u);
  EXPECT_FALSE(record.error);
  EXPECT_EQ(item.fetch_url, "http://example.com/a");  // kept for the error's message
}

TEST(ReadAnswerTest, AHandleWithoutAnAnswerLeavesStatusAndFinalUrlUnset) {
  CURL* easy = curl_easy_init();
  ASSERT_NE(easy, nullptr);
  Record record;
  EXPECT_EQ(read_answer(easy, record), 0);
  EXPECT_FALSE(record.status);
  EXPECT_FALSE(record.final_url);
  EXPECT_EQ(record.ttfb_ms, 0);
  curl_easy_cleanup(easy);
}

}  // namespace
}  // namespace sluice
