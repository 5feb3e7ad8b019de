// The proxy variables of the environment, which the run reads once instead of libcurl for
// every transfer: a proxy they name is used, and their exceptions hold, as libcurl's own.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// Sets a variable for the child processes of one test, and takes it away after.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const std::string& value) : name_(name) {
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedVariable() { ::unsetenv(name_); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  const char* name_;
};

class ProxyEnvironmentTest : public ::testing::Test {
 protected:
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_.port()) + path;
  }

  // The saved body of the one URL fetched with `args`, as JSON: the echo of the request.
  nlohmann::json echo(std::vector<std::string> args) {
    args.insert(args.begin(), {"-q", "-o", (dir_.path() / "bodies").string()});
    const auto result = test::run_child(SLUICE_BINARY, args, {}, 60s);
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    const auto records = test::parse_records(result.out);
    if (records.size() != 1) return {};
    return nlohmann::json::parse(test::read_file(records[0].at("saved_to").get<std::string>()));
  }

  Server server_{ServerConfig{}};
  test::TempDir dir_;
};

// The server stands in for the proxy, which is asked for the whole URL of a name the
// machine cannot resolve.
TEST_F(ProxyEnvironmentTest, AProxyTheEnvironmentNamesIsUsed) {
  const ScopedVariable proxy("http_proxy", url(""));
  EXPECT_EQ(echo({"http://sluice-proxy.invalid/anything"}).value("target", ""),
            "http://sluice-proxy.invalid/anything");
}

TEST_F(ProxyEnvironmentTest, TheEnvironmentsExceptionsHoldForAProxyOption) {
  // Nothing listens on port 1: a request through that proxy would fail to connect.
  const ScopedVariable no_proxy("no_proxy", "127.0.0.1");
  EXPECT_EQ(echo({"--proxy", "http://127.0.0.1:1", url("/anything")}).value("target", ""),
            "/anything");
}

}  // namespace
}  // namespace sluice
