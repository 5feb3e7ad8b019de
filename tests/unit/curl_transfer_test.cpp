// The transfer as its handle's owner: CURLOPT_PRIVATE leads back to it, the engine's tag
// survives each prepare, and items that cannot start get their records at once.
#include "engines/curl_transfer.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace detail;

InputItem item_for(std::string url) {
  InputItem item;
  item.index = 5;
  item.url = url;
  item.fetch_url = std::move(url);
  item.source = "arg:1";
  item.host = "127.0.0.1:1";
  return item;
}

TEST(CurlTransferTest, ItsHandleLeadsBackToItAndItsOwner) {
  const Options options;
  const RunResources resources;
  CurlTransfer transfer(options, resources);
  int slot = 0;
  transfer.set_owner(&slot);
  ASSERT_FALSE(transfer.prepare(item_for("http://127.0.0.1:1/a")));
  EXPECT_EQ(&CurlTransfer::from_handle(transfer.handle()), &transfer);
  EXPECT_EQ(transfer.owner(), &slot);
  ASSERT_FALSE(transfer.prepare(item_for("http://127.0.0.1:1/b")));  // resets the handle
  EXPECT_EQ(&CurlTransfer::from_handle(transfer.handle()), &transfer);
  EXPECT_EQ(transfer.owner(), &slot);
  transfer.fail(ErrorKind::Other, "not started");
}

TEST(CurlTransferTest, AnItemWithAnErrorGetsItsRecordFromPrepare) {
  const Options options;
  const RunResources resources;
  CurlTransfer transfer(options, resources);
  InputItem item = item_for("ftp://127.0.0.1:1/a");
  item.error = FetchError{ErrorKind::UnsupportedScheme, "ftp is not fetched"};
  const auto record = transfer.prepare(std::move(item));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->url, "ftp://127.0.0.1:1/a");
  EXPECT_EQ(record->attempts, 0);
  ASSERT_TRUE(record->error);
  EXPECT_EQ(record->error->kind, ErrorKind::UnsupportedScheme);
  EXPECT_EQ(transfer.host(), "127.0.0.1:1");
}

TEST(CurlTransferTest, APreparedTransferThatCannotStartFailsWithTheGivenError) {
  const Options options;
  const RunResources resources;
  CurlTransfer transfer(options, resources);
  ASSERT_FALSE(transfer.prepare(item_for("http://127.0.0.1:1/a")));
  const Record record = transfer.fail(ErrorKind::Other, "out of handles");
  EXPECT_EQ(record.index, 5u);
  EXPECT_EQ(record.source, "arg:1");
  EXPECT_EQ(record.attempts, 0);
  ASSERT_TRUE(record.error);
  EXPECT_EQ(record.error->kind, ErrorKind::Other);
  EXPECT_EQ(record.error->message, "out of handles");
}

}  // namespace
}  // namespace sluice
