// Naming and reusing saved bodies through the real binary against the embedded server: the
// --layout path tree, a request line's out and sha256, --skip-existing and --continue, asserted on
// what the server sent (requests, body bytes) and what is on disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/body_pattern.hpp"
#include "server/server.hpp"
#include "sha256.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string pattern(std::uint64_t size) {
  std::string body(size, '\0');
  for (std::uint64_t i = 0; i < size; ++i) body[i] = body_byte(i);
  return body;
}

class OutputFilesTest : public ::testing::Test {
 protected:
  std::string url(const std::string& path) const { return server_.base_url() + path; }
  std::string host_dir() const { return "127.0.0.1_" + std::to_string(server_.port()); }

  // Runs sluice saving under out(); the records it printed.
  std::vector<nlohmann::json> fetch(std::vector<std::string> args, int exit_code = 0) {
    args.insert(args.begin(), {"-q", "-o", out().string(), "--retry-backoff", "10ms"});
    const auto result = test::run_child(SLUICE_BINARY, args, {}, 60s);
    EXPECT_EQ(result.exit_code, exit_code) << result.err << result.out;
    return test::parse_records(result.out);
  }
  // Every regular file under out(), relative to it.
  std::vector<std::string> files() const {
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(out())) {
      if (entry.is_regular_file()) found.push_back(fs::relative(entry.path(), out()).string());
    }
    std::sort(found.begin(), found.end());
    return found;
  }
  fs::path out() const { return dir_.path() / "out"; }

  Server server_{ServerConfig{}};
  test::TempDir dir_;
};

// A mirror's names: the tree of host and path, the extension kept, a query hashed into the
// leaf's name, a directory's index, and dot segments that never leave the directory.
TEST_F(OutputFilesTest, LayoutPathKeepsHostAndPathAsATree) {
  const auto records = fetch({"--layout", "path", url("/bytes/10"), url("/todos/1?page=2"),
                              url("/anything/data.csv"), url("/anything/x/../../../anything/"),
                              url("/anything/.hidden")});
  ASSERT_EQ(records.size(), 5u);
  for (const auto& record : records) EXPECT_TRUE(record.at("ok").get<bool>()) << record.dump();
  const std::string host = host_dir();
  const auto listed = files();
  const auto query_leaf = std::find_if(listed.begin(), listed.end(), [&](const std::string& f) {
    return f.starts_with(host + "/todos/1-");
  });
  ASSERT_NE(query_leaf, listed.end());
  EXPECT_EQ(listed, (std::vector<std::string>{
                        host + "/anything/_hidden", host + "/anything/data.csv",
                        host + "/anything/index.html", host + "/bytes/10", *query_leaf}));
  EXPECT_EQ(query_leaf->size(), (host + "/todos/1-").size() + 16);
  EXPECT_EQ(test::read_file(out() / host / "bytes/10"), pattern(10));
  for (const auto& record : records) {
    EXPECT_TRUE(fs::exists(record.at("saved_to").get<std::string>())) << record.dump();
  }
}

// A segment longer than NAME_MAX is shortened with a hash and keeps its extension.
TEST_F(OutputFilesTest, OverLongNamesAreShortenedWithAHash) {
  const std::string long_name(400, 'n');
  const auto records = fetch({"--layout", "path", url("/anything/" + long_name + ".json")});
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].at("ok").get<bool>()) << records[0].dump();
  const fs::path saved = records[0].at("saved_to").get<std::string>();
  EXPECT_EQ(saved.filename().string().size(), 255u);
  EXPECT_EQ(saved.extension(), ".json");
}

// The second run fetches only what the first did not save: the server sees one more request.
TEST_F(OutputFilesTest, SkipExistingFetchesOnlyWhatIsMissing) {
  ASSERT_EQ(fetch({"--layout", "path", url("/bytes/100"), url("/bytes/200")}).size(), 2u);
  ASSERT_EQ(server_.stats().requests, 2u);
  const auto records = fetch({"--layout", "path", "--skip-existing", url("/bytes/100"),
                              url("/bytes/200"), url("/bytes/300")});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(server_.stats().requests, 3u);
  int skipped = 0;
  for (const auto& record : records) {
    EXPECT_TRUE(record.at("ok").get<bool>());
    if (record.value("skipped", false)) {
      ++skipped;
      EXPECT_EQ(record.at("attempts"), 0);
      EXPECT_TRUE(fs::exists(record.at("saved_to").get<std::string>()));
    }
  }
  EXPECT_EQ(skipped, 2);
}

// A body cut mid-way is resumed by the retry with a range request: the server sends each
// byte once (its body bytes add up to the size), and the file is whole.
TEST_F(OutputFilesTest, ContinueResumesACutBodyWithARange) {
  const std::string path = "/bytes/300000?fault=truncate&fault_times=1";
  const auto records = fetch({"--layout", "path", "--continue", url(path)});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].at("ok").get<bool>()) << records[0].dump();
  EXPECT_EQ(records[0].at("status"), 206);
  EXPECT_EQ(records[0].at("attempts"), 2);
  EXPECT_EQ(server_.stats().requests, 2u);
  EXPECT_EQ(server_.stats().bytes_sent, 300000u);
  const fs::path saved = records[0].at("saved_to").get<std::string>();
  EXPECT_EQ(test::read_file(saved), pattern(300000));
  EXPECT_EQ(files().size(), 1u) << "a .part was left";
}

// A cut run leaves FILE.part; the next run asks only for the rest.
TEST_F(OutputFilesTest, ContinueResumesWhatAnEarlierRunLeft) {
  const std::string cut = "/bytes/200000?fault=reset-mid&fault_times=1";
  const auto first = fetch({"--continue", "--retries", "0", url(cut)}, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].at("ok").get<bool>());
  const auto left = files();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_TRUE(left[0].ends_with(".part")) << left[0];
  const auto sent_before = server_.stats().bytes_sent;

  const auto second = fetch({"--continue", url(cut)});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].at("status"), 206);
  EXPECT_EQ(server_.stats().bytes_sent - sent_before, 200000u - sent_before);
  EXPECT_EQ(test::read_file(second[0].at("saved_to").get<std::string>()), pattern(200000));
  EXPECT_EQ(files().size(), 1u);
}

// A server without ranges answers 200 to the range request: the body starts over and the
// file holds it once, not appended to the part.
TEST_F(OutputFilesTest, ContinueStartsOverWhenTheServerIgnoresTheRange) {
  const std::string path = "/bytes/100000?ranges=none&fault=truncate&fault_times=1";
  const auto records = fetch({"--continue", url(path)});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("status"), 200);
  EXPECT_EQ(server_.stats().bytes_sent, 150000u);
  EXPECT_EQ(test::read_file(records[0].at("saved_to").get<std::string>()), pattern(100000));
}

// A server that answers the range request with a 206 from byte 0: the part is dropped and a
// third attempt fetches the whole body, not appended to the part.
TEST_F(OutputFilesTest, ContinueStartsOverWhenTheRangeStartsElsewhere) {
  const std::string path = "/bytes/100000?ranges=from-zero&fault=truncate&fault_times=1";
  const auto records = fetch({"--continue", url(path)});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].at("ok").get<bool>()) << records[0].dump();
  EXPECT_EQ(records[0].at("status"), 200);
  EXPECT_EQ(records[0].at("attempts"), 3);
  EXPECT_EQ(server_.stats().requests, 3u);
  EXPECT_EQ(test::read_file(records[0].at("saved_to").get<std::string>()), pattern(100000));
  EXPECT_EQ(files().size(), 1u) << "a .part was left";
}

// With --retries 0 the record says why, and the part is gone: the next run starts over.
TEST_F(OutputFilesTest, AMisplacedRangeFailsAsANetworkErrorAndDropsThePart) {
  const std::string path = "/bytes/100000?ranges=from-zero&fault=truncate&fault_times=1";
  ASSERT_EQ(fetch({"--continue", "--retries", "0", url(path)}, 1).size(), 1u);
  ASSERT_EQ(files().size(), 1u);  // the .part the cut left
  const auto records = fetch({"--continue", "--retries", "0", url(path)}, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("error").at("kind"), "network") << records[0].dump();
  EXPECT_NE(records[0].at("error").at("message").get<std::string>().find("starts at byte 0"),
            std::string::npos);
  EXPECT_TRUE(files().empty());
}

// With a checksum in the request line, a file that does not match is fetched again.
TEST_F(OutputFilesTest, SkipExistingWithAChecksumFetchesAFileThatDiffers) {
  ASSERT_EQ(fetch({"--layout", "path", url("/bytes/100"), url("/bytes/200")}).size(), 2u);
  const fs::path changed = out() / host_dir() / "bytes/200";
  std::ofstream(changed, std::ios::binary | std::ios::trunc) << "not the body";
  auto sha = [](std::uint64_t size) {
    detail::Sha256 digest;
    digest.update(pattern(size));
    return digest.hex_digest();
  };
  const fs::path list = dir_.path() / "requests.jsonl";
  std::ofstream(list) << nlohmann::json{{"url", url("/bytes/100")}, {"sha256", sha(100)}}.dump()
                      << '\n'
                      << nlohmann::json{{"url", url("/bytes/200")}, {"sha256", sha(200)}}.dump()
                      << '\n';
  const auto records = fetch({"--layout", "path", "--skip-existing", "@" + list.string()});
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(server_.stats().requests, 3u);  // only /bytes/200 again
  EXPECT_EQ(test::read_file(changed), pattern(200));
}

// A request line's out names its file; one that would leave the directory is refused.
TEST_F(OutputFilesTest, ARequestsOutNamesItsFileInsideTheDirectory) {
  const fs::path list = dir_.path() / "requests.jsonl";
  std::ofstream(list) << nlohmann::json{{"url", url("/bytes/10")}, {"out", "a/b/ten.bin"}}.dump()
                      << '\n'
                      << nlohmann::json{{"url", url("/bytes/11")}, {"out", "../escape"}}.dump()
                      << '\n'
                      << nlohmann::json{{"url", url("/bytes/12")}, {"out", "/etc/x"}}.dump()
                      << '\n';
  const auto records = fetch({"@" + list.string()}, 1);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(files(), std::vector<std::string>{"a/b/ten.bin"});
  EXPECT_EQ(test::read_file(out() / "a/b/ten.bin"), pattern(10));
  EXPECT_EQ(test::count_by_kind(records)["invalid_url"], 2u);
  EXPECT_EQ(server_.stats().requests, 1u);
  EXPECT_FALSE(fs::exists(dir_.path() / "escape"));
}

// --hash sha256 of a resumed body is the whole file's, not only the part that came last.
TEST_F(OutputFilesTest, TheDigestOfAResumedBodyIsTheWholeFiles) {
  const auto records =
      fetch({"--continue", "--hash", "sha256", url("/bytes/300000?fault=truncate&fault_times=1")});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("status"), 206);
  detail::Sha256 whole;
  whole.update(pattern(300000));
  EXPECT_EQ(records[0].at("sha256"), whole.hex_digest());
}

}  // namespace
}  // namespace sluice
