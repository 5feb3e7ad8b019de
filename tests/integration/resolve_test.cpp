// --resolve, and names that fail without a DNS query: tests never ask the machine's resolver
// about a name, so no packet leaves the machine.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/server.hpp"
#include "sluice/fetcher.hpp"
#include "support/child_process.hpp"
#include "support/collecting_sink.hpp"
#include "support/engines.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// Reserved names (RFC 6761): never a real host, whatever happens.
constexpr const char* kResolvedName = "sluice-resolve.invalid";
// A 64-byte label is one byte over DNS's limit (RFC 1035, 2.3.4): glibc's resolver refuses to
// build a query for it, so the name fails at once, with no packet sent (checked with strace:
// no connect or send to port 53, where "nx.invalid" sends two queries).
const std::string kUnresolvableName = std::string(64, 'x') + ".invalid";

class ResolveTest : public test::EngineTest {
 protected:
  std::string url_on(const std::string& host, const std::string& path) const {
    return "http://" + host + ":" + std::to_string(server_.port()) + path;
  }
  std::string entry(const std::string& addresses) const {
    return std::string(kResolvedName) + ":" + std::to_string(server_.port()) + ":" + addresses;
  }

  Server server_{ServerConfig{}};
};

INSTANTIATE_TEST_SUITE_P(Engines, ResolveTest, test::both_engines(), test::engine_test_name);

TEST_P(ResolveTest, ANameGivenWithResolveIsFetchedFromItsAddress) {
  Options options = this->options(2);
  options.resolve = {entry("127.0.0.1")};
  test::CollectingSink sink;
  fetch(options, {url_on(kResolvedName, "/todos/1"), url_on(kResolvedName, "/todos/2")}, sink);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 2u);
  for (const auto& record : records) {
    EXPECT_TRUE(record.ok) << record.url << ": " << (record.error ? record.error->message : "");
  }
  EXPECT_EQ(server_.stats().requests, 2u);
}

// curl's "HOST:PORT:ADDR,ADDR": an address that refuses (a loopback one where nothing
// listens on this port, tried first) is passed over for the next.
TEST_P(ResolveTest, AnEntryMayGiveSeveralAddresses) {
  Options options = this->options(1);
  options.resolve = {entry("127.0.0.2,127.0.0.1")};
  test::CollectingSink sink;
  fetch(options, {url_on(kResolvedName, "/todos/1")}, sink);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 1u);
  const auto& record = records.front();
  EXPECT_TRUE(record.ok) << (record.error ? record.error->message : "");
  EXPECT_EQ(server_.stats().requests, 1u);
}

TEST_P(ResolveTest, ANameThatCannotResolveIsADnsRecord) {
  Options options = this->options(1);
  options.retries = 0;
  test::CollectingSink sink;
  fetch(options, {url_on(kUnresolvableName, "/todos/1")}, sink);
  const auto records = sink.records();
  ASSERT_EQ(records.size(), 1u);
  const auto& record = records.front();
  ASSERT_TRUE(record.error);
  EXPECT_EQ(record.error->kind, ErrorKind::Dns) << record.error->message;
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST(ResolveCliTest, RepeatedResolveOptionsAreAllUsed) {
  const Server server(ServerConfig{});
  const std::string port = std::to_string(server.port());
  const auto result = test::run_child(
      SLUICE_BINARY,
      {"-q", "--resolve", std::string("a.") + kResolvedName + ":" + port + ":127.0.0.1",
       "--resolve", std::string("b.") + kResolvedName + ":" + port + ":127.0.0.2,127.0.0.1",
       "http://a." + std::string(kResolvedName) + ":" + port + "/todos/1",
       "http://b." + std::string(kResolvedName) + ":" + port + "/todos/2"},
      {}, 60s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const auto records = test::parse_records(result.out);
  ASSERT_EQ(records.size(), 2u) << result.out;
  for (const auto& record : records) EXPECT_TRUE(record["ok"].get<bool>()) << record.dump();
  EXPECT_EQ(server.stats().requests, 2u);
}

TEST(ResolveCliTest, ABadEntryIsAUsageErrorNamingIt) {
  for (const std::string bad : {"sluice.invalid:80", "sluice.invalid:99999:127.0.0.1",
                                "sluice.invalid:80:not-an-address"}) {
    SCOPED_TRACE(bad);
    const auto result =
        test::run_child(SLUICE_BINARY, {"--resolve", bad, "http://sluice.invalid/"}, {}, 60s);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("--resolve"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("'" + bad + "'"), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace sluice
