// Runs examples/embed/main.cpp (the program docs/library.md shows) against the embedded
// server: one line per URL, each body's size, and exit 1 when a URL failed.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "server/server.hpp"
#include "support/child_process.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

const std::string kEmbed = std::string(SLUICE_EXAMPLES_DIR) + "/example_embed";

TEST(ExamplesEmbedTest, PrintsARecordPerUrlWithItsBodySize) {
  Server server(ServerConfig{});
  const auto result = test::run_child(
      kEmbed, {server.base_url() + "/bytes/100", server.base_url() + "/bytes/2000"}, {}, 20s);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find(server.base_url() + "/bytes/100 100 bytes 200 ok\n"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find(server.base_url() + "/bytes/2000 2000 bytes 200 ok\n"),
            std::string::npos)
      << result.out;
  EXPECT_EQ(server.stats().requests, 2u);
}

TEST(ExamplesEmbedTest, ExitsOneWhenAUrlFails) {
  Server server(ServerConfig{});
  const auto result = test::run_child(kEmbed, {server.base_url() + "/status/404"}, {}, 20s);
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find(" 404 failed\n"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace sluice
