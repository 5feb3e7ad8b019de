// Tests for the transient / final rule: which failures another attempt may fix, and which
// records a resumed run need not fetch again.
#include "record_rules.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "support/sample_records.hpp"

namespace sluice {
namespace {

using namespace detail;

using test::failed_record;
using test::ok_record;

TEST(RecordRulesTest, TransientAreConnectTimeoutNetworkAnd429And50x) {
  for (const auto kind : {ErrorKind::Connect, ErrorKind::Timeout, ErrorKind::Network}) {
    EXPECT_TRUE(is_transient({kind, ""}, std::nullopt)) << to_string(kind);
  }
  for (const int status : {429, 502, 503, 504}) {
    EXPECT_TRUE(is_transient({ErrorKind::Http, ""}, status)) << status;
  }
  for (const int status : {400, 403, 404, 500, 501}) {
    EXPECT_FALSE(is_transient({ErrorKind::Http, ""}, status)) << status;
  }
  for (const auto kind :
       {ErrorKind::InvalidUrl, ErrorKind::UnsupportedScheme, ErrorKind::Dns, ErrorKind::Tls,
        ErrorKind::Protocol, ErrorKind::TooLarge, ErrorKind::Io, ErrorKind::Cancelled}) {
    EXPECT_FALSE(is_transient({kind, ""}, std::nullopt)) << to_string(kind);
  }
}

TEST(RecordRulesTest, IsFinalForSuccess) {
  EXPECT_TRUE(is_final(ok_record("http://a.test/"), false));
  EXPECT_TRUE(is_final(ok_record("http://a.test/"), true));
}

TEST(RecordRulesTest, IsFinalNeverForCancelled) {
  EXPECT_FALSE(is_final(failed_record("http://a.test/", ErrorKind::Cancelled), false));
  EXPECT_FALSE(is_final(failed_record("http://a.test/", ErrorKind::Cancelled), true));
}

TEST(RecordRulesTest, IsFinalNeverForTransientFailures) {
  for (const bool retry_failed : {false, true}) {
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Timeout), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Connect), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Network), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Http, 503), retry_failed));
    EXPECT_FALSE(is_final(failed_record("u", ErrorKind::Http, 429), retry_failed));
  }
}

TEST(RecordRulesTest, IsFinalForOtherFailuresUnlessRetryFailed) {
  for (const Record& record :
       {failed_record("u", ErrorKind::Http, 404), failed_record("u", ErrorKind::InvalidUrl),
        failed_record("u", ErrorKind::Dns), failed_record("u", ErrorKind::Tls),
        failed_record("u", ErrorKind::TooLarge)}) {
    EXPECT_TRUE(is_final(record, false)) << to_string(record.error->kind);
    EXPECT_FALSE(is_final(record, true)) << to_string(record.error->kind);
  }
}

TEST(RecordRulesTest, IsFinalNotForNotOkWithoutError) {
  Record record = ok_record("http://a.test/");
  record.ok = false;
  EXPECT_FALSE(is_final(record, false));
}

}  // namespace
}  // namespace sluice
