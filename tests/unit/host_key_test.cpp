// Tests for host_key: one key per scheme, host and port, whatever the spelling.
#include "limit/host_key.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

TEST(HostKeyTest, FillsInTheDefaultPort) {
  EXPECT_EQ(host_key("http://example.com/a"), "http://example.com:80");
  EXPECT_EQ(host_key("https://example.com"), "https://example.com:443");
  EXPECT_EQ(host_key("http://example.com:8080/x?y#z"), "http://example.com:8080");
}

TEST(HostKeyTest, LowersSchemeAndHost) {
  EXPECT_EQ(host_key("HTTPS://Example.COM/Path"), "https://example.com:443");
  EXPECT_EQ(host_key("HTTPS://Example.COM/Path"), host_key("https://example.com:443/other"));
}

TEST(HostKeyTest, DifferentPortsOrSchemesAreDifferentHosts) {
  EXPECT_NE(host_key("http://example.com/"), host_key("https://example.com/"));
  EXPECT_NE(host_key("http://example.com/"), host_key("http://example.com:8080/"));
  EXPECT_EQ(host_key("http://example.com/"), host_key("http://example.com:80/"));
}

TEST(HostKeyTest, IgnoresUserInfoPathQueryAndFragment) {
  EXPECT_EQ(host_key("http://user:pw@h.example:81/p/q?r=s#t"), "http://h.example:81");
}

TEST(HostKeyTest, KeepsIpv6Brackets) {
  EXPECT_EQ(host_key("http://[::1]:8080/"), "http://[::1]:8080");
  EXPECT_EQ(host_key("https://[2001:DB8::1]/"), "https://[2001:db8::1]:443");
  EXPECT_EQ(host_key("http://127.0.0.1/"), "http://127.0.0.1:80");
}

TEST(HostKeyTest, KeepsUtf8HostBytes) {
  EXPECT_EQ(host_key("http://日本.jp/パス"), "http://日本.jp:80");
}

TEST(HostKeyTest, UnparsableUrlHasNoKey) {
  EXPECT_EQ(host_key("not a url"), std::nullopt);
  EXPECT_EQ(host_key(""), std::nullopt);
  EXPECT_EQ(host_key("example.com/no-scheme"), std::nullopt);
}

// The kept key of the last prefix must never answer for a URL of another host.
TEST(HostKeyTest, CheckedUrlKeyIsHostKeyInEveryOrder) {
  const std::vector<std::string> urls = {
      "http://a.test/1",     "http://a.test/2",   "http://a.test:80/3", "http://a.test:81/4",
      "http://a.test?q",     "http://a.test#f",   "http://a.test",      "https://a.test/5",
      "HTTP://A.test/6",     "http://u@a.test/7", "http://b.test/8",    "http://a.test/9",
      "http:///c.test/10",   "http:///d.test/11", "http://[::1]:8/12",  "http://[::1]:9/13",
      "http://a.test/x://y", "not a url",         "http://a.test/14",   "",
  };
  for (int round = 0; round < 2; ++round) {
    for (const std::string& url : urls) {
      EXPECT_EQ(host_key_of_checked_url(url), host_key(url).value_or("")) << url;
    }
  }
}

TEST(HostKeyTest, WorksFromManyThreads) {
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      const std::string port = std::to_string(8000 + t);
      for (int i = 0; i < 200; ++i) {
        EXPECT_EQ(host_key("http://h" + std::to_string(i % 7) + ":" + port + "/x"),
                  "http://h" + std::to_string(i % 7) + ":" + port);
      }
    });
  }
}

}  // namespace
}  // namespace sluice
