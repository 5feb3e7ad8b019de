// The server's endpoints: `--listen ADDR:PORT` as read, several endpoints served alike, and
// `sluice serve --listen` printing one "listening on" line per endpoint.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>

#include "server/server.hpp"
#include "sluice/errors.hpp"
#include "support/child_process.hpp"
#include "support/curl_together.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

TEST(ListenEndpointTest, ReadsAddressAndPort) {
  const auto v4 = parse_listen_endpoint("10.213.0.1:8080");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address, "10.213.0.1");
  EXPECT_EQ(v4->port, 8080);
  const auto v6 = parse_listen_endpoint("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->address, "::1");
  EXPECT_EQ(v6->port, 0);
}

TEST(ListenEndpointTest, RefusesWhatIsNotAddressAndPort) {
  for (const auto* text : {"", "127.0.0.1", ":80", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:8x",
                           "::1:80", "[]:80", "[::1:80"}) {
    EXPECT_FALSE(parse_listen_endpoint(text)) << text;
  }
}

long get_status(const std::string& url) {
  const test::CurlEasy easy(curl_easy_init());
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_NOBODY, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 10000L);
  long status = 0;
  if (curl_easy_perform(easy.get()) == CURLE_OK) {
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  }
  return status;
}

TEST(ServerListenTest, ServesEveryEndpointAlike) {
  Server server({.address = "127.0.0.1", .more_endpoints = {{"127.0.0.2", 0}}});
  const auto urls = server.base_urls();
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_EQ(urls[0], server.base_url());
  EXPECT_EQ(urls[1].rfind("http://127.0.0.2:", 0), 0u) << urls[1];
  for (const auto& url : urls) {
    EXPECT_EQ(get_status(url + "/todos/1"), 200) << url;
  }
  EXPECT_EQ(server.stats().requests, 2u);
  EXPECT_EQ(server.stats().connections, 2u);
}

TEST(ServerListenTest, RefusesAnEndpointItCannotBind) {
  const Server first({});
  EXPECT_THROW(Server({.more_endpoints = {{"127.0.0.1", first.port()}}}), UsageError);
  EXPECT_THROW(Server({.more_endpoints = {{"not-an-address", 0}}}), UsageError);
}

TEST(ServeListenTest, PrintsOneListeningLinePerEndpoint) {
  test::ChildProcess serve(SLUICE_BINARY,
                           {"serve", "--listen", "127.0.0.1:0", "--listen", "127.0.0.3:0"});
  std::string lines;
  for (int i = 0; i < 50 && std::count(lines.begin(), lines.end(), '\n') < 2; ++i) {
    lines += serve.read_first_line(200ms);
  }
  serve.signal(SIGTERM);
  const auto result = serve.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(lines.rfind("listening on http://127.0.0.1:", 0), 0u) << lines;
  EXPECT_NE(lines.find("\nlistening on http://127.0.0.3:"), std::string::npos) << lines;
}

}  // namespace
}  // namespace sluice
