// The transfer as its handle's owner: CURLOPT_PRIVATE leads back to it, the engine's tag
// survives each prepare, items that cannot start get their records at once, and a want of
// descriptors is told apart from the URL's own failures.
#include "engines/curl_transfer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "support/temp_dir.hpp"

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

// Takes every descriptor this process may still open (under a soft limit lowered for the
// purpose), and gives them back on destruction. Not thread-safe: the test's own thread only.
class AllDescriptorsTaken {
 public:
  AllDescriptorsTaken() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 4096);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    for (int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC); fd >= 0;
         fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) {
      taken_.push_back(fd);
    }
  }
  AllDescriptorsTaken(const AllDescriptorsTaken&) = delete;
  AllDescriptorsTaken& operator=(const AllDescriptorsTaken&) = delete;
  ~AllDescriptorsTaken() {
    for (const int fd : taken_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> taken_;
};

// libcurl reports a socket() that failed with EMFILE as "Couldn't connect", as it does a
// refused connection: only the transfer's own socket callback sees the difference.
TEST(CurlTransferTest, ASocketThatFindsNoDescriptorIsShortOfDescriptorsNotTheUrlsFailure) {
  const Options options;
  const RunResources resources;
  CurlTransfer transfer(options, resources);
  InputItem item = item_for("http://127.0.0.1:1/a");
  item.attempts = 1;
  ASSERT_FALSE(transfer.prepare(std::move(item)));
  CURLcode result = CURLE_OK;
  {
    const AllDescriptorsTaken taken;
    result = curl_easy_perform(transfer.handle());
  }
  ASSERT_EQ(result, CURLE_COULDNT_CONNECT);
  Record record = transfer.finish(result);
  EXPECT_TRUE(transfer.short_of_descriptors());
  EXPECT_EQ(record.attempts, 1);  // not counted: no request went out
  const InputItem again = transfer.requeue(std::move(record));
  EXPECT_EQ(again.url, "http://127.0.0.1:1/a");
  EXPECT_EQ(again.fetch_url, "http://127.0.0.1:1/a");
  EXPECT_EQ(again.attempts, 1);
}

TEST(CurlTransferTest, ABodyFileThatFindsNoDescriptorIsShortOfDescriptors) {
  const test::TempDir dir;
  Options options;
  options.output_dir = dir.path();
  auto output_dir = OutputDir::open(dir.path());
  ASSERT_TRUE(output_dir) << output_dir.error();
  RunResources resources;
  resources.output_dir = std::move(*output_dir);
  CurlTransfer transfer(options, resources);
  std::optional<Record> record;
  {
    const AllDescriptorsTaken taken;
    record = transfer.prepare(item_for("http://127.0.0.1:1/a"));
  }
  ASSERT_TRUE(record);
  ASSERT_TRUE(record->error);
  EXPECT_EQ(record->error->kind, ErrorKind::Io);
  EXPECT_TRUE(transfer.short_of_descriptors());
  const InputItem again = transfer.requeue(std::move(*record));
  EXPECT_EQ(again.url, "http://127.0.0.1:1/a");
  EXPECT_EQ(again.host, "127.0.0.1:1");
  EXPECT_EQ(again.attempts, 0);
  // The next prepare finds descriptors again.
  EXPECT_FALSE(transfer.prepare(item_for("http://127.0.0.1:1/a")));
  EXPECT_FALSE(transfer.short_of_descriptors());
  transfer.fail(ErrorKind::Other, "not started");
}

}  // namespace
}  // namespace sluice
