// The transfer as its handle's owner: CURLOPT_PRIVATE leads back to it, the engine's tag
// survives each prepare, items that cannot start get their records at once, and a want of
// descriptors is told apart from the URL's own failures.
#include "engines/curl_transfer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "sha256.hpp"
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

// A run saving into a temp dir, for the naming and skipping that prepare() decides.
struct SavingRun {
  explicit SavingRun(Options base = {}) : options(std::move(base)) {
    options.output_dir = dir.path();
    options.skip_existing = true;
    auto opened = OutputDir::open(dir.path());
    if (opened) resources.output_dir = std::move(*opened);
  }
  void put(const std::string& path, const std::string& content) const {
    std::filesystem::create_directories((dir.path() / path).parent_path());
    std::ofstream(dir.path() / path, std::ios::binary) << content;
  }
  test::TempDir dir;
  Options options;
  RunResources resources;
};

std::string sha256_of(std::string_view text) {
  Sha256 digest;
  digest.update(text);
  return digest.hex_digest();
}

TEST(CurlTransferTest, AnOutThatLeavesTheDirectoryIsAnInvalidUrlRecord) {
  const SavingRun run;
  CurlTransfer transfer(run.options, run.resources);
  for (const std::string out : {"../escape", "/etc/passwd", "a/../../b", ""}) {
    InputItem item = item_for("http://127.0.0.1:1/a");
    item.request.edit().out = out.empty() ? std::string("./.") : out;
    const auto record = transfer.prepare(std::move(item));
    ASSERT_TRUE(record) << out;
    ASSERT_TRUE(record->error);
    EXPECT_EQ(record->error->kind, ErrorKind::InvalidUrl) << out;
    EXPECT_NE(record->error->message.find("out '"), std::string::npos) << record->error->message;
  }
}

// The file a request's out names is the one --skip-existing looks for; with the request's
// sha256 it must match too, else the URL is fetched (prepare() gives no record).
TEST(CurlTransferTest, SkipExistingChecksTheFileOfAnOutAndItsDigest) {
  const SavingRun run;
  run.put("a/b/ten.bin", "0123456789");
  CurlTransfer transfer(run.options, run.resources);

  InputItem named = item_for("http://127.0.0.1:1/ten");
  named.request.edit().out = "a/b/ten.bin";
  auto record = transfer.prepare(std::move(named));
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->ok);
  EXPECT_TRUE(record->skipped);
  EXPECT_FALSE(record->error);
  EXPECT_EQ(record->saved_to, (run.dir.path() / "a/b/ten.bin").string());

  InputItem matching = item_for("http://127.0.0.1:1/ten");
  matching.request.edit().out = "a/b/ten.bin";
  matching.request.edit().sha256 = sha256_of("0123456789");
  record = transfer.prepare(std::move(matching));
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->skipped);

  InputItem differing = item_for("http://127.0.0.1:1/ten");
  differing.request.edit().out = "a/b/ten.bin";
  differing.request.edit().sha256 = sha256_of("something else");
  EXPECT_FALSE(transfer.prepare(std::move(differing)));
  transfer.fail(ErrorKind::Other, "not started");

  InputItem missing = item_for("http://127.0.0.1:1/ten");
  missing.request.edit().out = "a/b/eleven.bin";
  EXPECT_FALSE(transfer.prepare(std::move(missing)));
  transfer.fail(ErrorKind::Other, "not started");
}

// A symlink at the file's place (or on its way) is not a saved body: never skipped for it.
TEST(CurlTransferTest, SkipExistingIgnoresASymlink) {
  const SavingRun run;
  run.put("real/ten.bin", "0123456789");
  std::filesystem::create_directory_symlink(run.dir.path() / "real", run.dir.path() / "link");
  std::filesystem::create_symlink(run.dir.path() / "real/ten.bin", run.dir.path() / "ten.bin");
  CurlTransfer transfer(run.options, run.resources);
  for (const std::string out : {"link/ten.bin", "ten.bin"}) {
    InputItem item = item_for("http://127.0.0.1:1/ten");
    item.request.edit().out = out;
    EXPECT_FALSE(transfer.prepare(std::move(item))) << out;
    transfer.fail(ErrorKind::Other, "not started");
  }
}

}  // namespace
}  // namespace sluice
