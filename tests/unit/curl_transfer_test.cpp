#include "engines/curl_transfer.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

TEST(ClassifyTest, MapsLibcurlCodesToStableKinds) {
  EXPECT_EQ(classify(CURLE_COULDNT_RESOLVE_HOST), ErrorKind::Dns);
  EXPECT_EQ(classify(CURLE_COULDNT_CONNECT), ErrorKind::Connect);
  EXPECT_EQ(classify(CURLE_OPERATION_TIMEDOUT), ErrorKind::Timeout);
  EXPECT_EQ(classify(CURLE_PEER_FAILED_VERIFICATION), ErrorKind::Tls);
  EXPECT_EQ(classify(CURLE_SSL_CONNECT_ERROR), ErrorKind::Tls);
  EXPECT_EQ(classify(CURLE_UNSUPPORTED_PROTOCOL), ErrorKind::UnsupportedScheme);
  EXPECT_EQ(classify(CURLE_RECV_ERROR), ErrorKind::Network);
  EXPECT_EQ(classify(CURLE_PARTIAL_FILE), ErrorKind::Network);
  EXPECT_EQ(classify(CURLE_WEIRD_SERVER_REPLY), ErrorKind::Protocol);
  EXPECT_EQ(classify(CURLE_FILESIZE_EXCEEDED), ErrorKind::TooLarge);
  EXPECT_EQ(classify(CURLE_WRITE_ERROR), ErrorKind::Io);
  EXPECT_EQ(classify(CURLE_OUT_OF_MEMORY), ErrorKind::Other);
}

TEST(ErrorKindTest, NamesAreTheStableOutputStrings) {
  EXPECT_EQ(to_string(ErrorKind::InvalidUrl), "invalid_url");
  EXPECT_EQ(to_string(ErrorKind::UnsupportedScheme), "unsupported_scheme");
  EXPECT_EQ(to_string(ErrorKind::TooLarge), "too_large");
  EXPECT_EQ(to_string(ErrorKind::Http), "http");
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

}  // namespace
}  // namespace sluice
