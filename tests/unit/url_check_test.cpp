// Tests for check_url: accepted URLs come back untouched, hostile ones become clear errors.
#include "input/url_check.hpp"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sluice {
namespace {

using namespace detail;

using namespace std::string_literals;

// The error of a URL that must be rejected; fails the test if it is accepted.
FetchError rejection(std::string_view text) {
  auto result = check_url(text);
  EXPECT_FALSE(result.has_value()) << "accepted: " << *result;
  return result ? FetchError{} : result.error();
}

void expect_invalid(std::string_view text, std::string_view message_part) {
  const FetchError error = rejection(text);
  EXPECT_EQ(error.kind, ErrorKind::InvalidUrl) << text;
  EXPECT_NE(error.message.find(message_part), std::string::npos)
      << "'" << error.message << "' lacks '" << message_part << "'";
}

TEST(CheckUrlTest, ReturnsHttpAndHttpsUrlsUnchanged) {
  EXPECT_EQ(check_url("http://example.com/a?b=c#d"), "http://example.com/a?b=c#d");
  EXPECT_EQ(check_url("https://example.com"), "https://example.com");
  EXPECT_EQ(check_url("HTTPS://Example.COM/../x"), "HTTPS://Example.COM/../x");
  EXPECT_EQ(check_url("http://user:pw@h:8080/"), "http://user:pw@h:8080/");
}

TEST(CheckUrlTest, PrependsHttpWhenSchemeIsMissing) {
  EXPECT_EQ(check_url("example.com/path"), "http://example.com/path");
  EXPECT_EQ(check_url("localhost:8080/x"), "http://localhost:8080/x");
  EXPECT_EQ(check_url("127.0.0.1"), "http://127.0.0.1");
  EXPECT_EQ(check_url("ftp.example.com"), "http://ftp.example.com");
}

TEST(CheckUrlTest, AcceptsIpv6AndUtf8Hosts) {
  EXPECT_EQ(check_url("http://[::1]:8080/"), "http://[::1]:8080/");
  EXPECT_EQ(check_url("http://日本.jp/パス"), "http://日本.jp/パス");
}

TEST(CheckUrlTest, AcceptsQuotesAndBracesLibcurlSendsAsIs) {
  EXPECT_EQ(check_url(R"(http://h/"q'<x>{y})"), R"(http://h/"q'<x>{y})");
}

TEST(CheckUrlTest, RejectsOtherSchemes) {
  for (const char* url : {"ftp://example.com/file", "file:///etc/passwd", "file:/etc/passwd",
                          "gopher://example.com/", "javascript://x"}) {
    EXPECT_EQ(rejection(url).kind, ErrorKind::UnsupportedScheme) << url;
  }
  EXPECT_EQ(rejection("ftp://example.com/").message,
            "unsupported scheme 'ftp' (only http and https)");
  EXPECT_EQ(rejection("Gopher://x/").message, "unsupported scheme 'Gopher' (only http and https)");
}

TEST(CheckUrlTest, NamesAColonMissingAfterTheScheme) {
  EXPECT_EQ(rejection("http//example.com/x").message,
            "missing ':' after 'http'? (did you mean http://example.com/x?)");
  EXPECT_EQ(rejection("HTTPS//example.com").message,
            "missing ':' after 'HTTPS'? (did you mean HTTPS://example.com?)");
  expect_invalid("https//h", "missing ':'");
  EXPECT_EQ(rejection("http//user:secret@h/").message,
            "missing ':' after 'http'? (did you mean http://***@h/?)");
  EXPECT_EQ(check_url("httpbin.org//x"), "http://httpbin.org//x");
}

TEST(CheckUrlTest, RejectsEmptyAndOverlongText) {
  expect_invalid("", "empty URL");
  const std::string longest = "http://h/" + std::string(65536 - 9, 'a');
  EXPECT_TRUE(check_url(longest).has_value());
  expect_invalid(longest + "a", "longer than 65536 bytes");
  expect_invalid("http://h/" + std::string(1 << 20, 'a'), "longer than 65536 bytes");
}

TEST(CheckUrlTest, RejectsWhitespaceAndControlBytesNamingTheColumn) {
  EXPECT_EQ(rejection("http://h/a b").message, "URL contains whitespace at column 11");
  expect_invalid("http://h/\tb", "whitespace at column 10");
  EXPECT_EQ(rejection("http://h/\nb").message, "URL contains control character 0x0a at column 10");
  expect_invalid("http://h/\x7f", "control character 0x7f");
  expect_invalid("http://h/\x1b[31m", "control character 0x1b");
  expect_invalid("http://h/a\0b"s, "a NUL byte at column 11");
}

TEST(CheckUrlTest, RejectsInvalidUtf8) {
  expect_invalid("http://h/\xff", "not UTF-8 at column 10");
  expect_invalid("http://h/\xc3", "not UTF-8");          // truncated sequence
  expect_invalid("http://h/\xc0\xaf", "not UTF-8");      // overlong '/'
  expect_invalid("http://h/\xed\xa0\x80", "not UTF-8");  // UTF-16 surrogate
  expect_invalid("http://\xe9t\xe9.fr/", "not UTF-8");   // Latin-1
}

TEST(CheckUrlTest, RejectsWhatLibcurlCannotParse) {
  expect_invalid("http://", "invalid URL: ");
  expect_invalid("http://:80/", "invalid URL: ");
  expect_invalid("http://h:99999/", "invalid URL: Port number");
  expect_invalid("http://[::1/", "invalid URL: ");
  expect_invalid("http:////h/", "invalid URL: ");
  expect_invalid("http://a%20b/", "invalid URL: ");
  expect_invalid("mailto:x", "invalid URL: ");  // read as http://mailto:x, port "x"
}

// Whether libcurl's parser, run as check_url runs it, accepts `url` (which has a scheme).
bool libcurl_parses(const std::string& url) {
  CURLU* handle = curl_url();
  const bool parses = curl_url_set(handle, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK;
  curl_url_cleanup(handle);
  return parses;
}

// check_url skips libcurl's parser for URLs of the plainest form; on the edges of that form
// and on random strings it must accept exactly what the parser accepts.
TEST(CheckUrlTest, AgreesWithLibcurlsParser) {
  const std::vector<std::string> hosts = {"a",
                                          "h",
                                          "example.com",
                                          "Example.COM",
                                          "a-b.c",
                                          "a..b",
                                          "a.",
                                          "a-",
                                          "x1",
                                          "localhost",
                                          "127.0.0.1",
                                          "0.0.0.0",
                                          "255.255.255.255",
                                          "256.0.0.1",
                                          "1.2.3",
                                          "1.2.3.4.5",
                                          "01.2.3.4",
                                          "0x7f.0.0.1",
                                          "1e2",
                                          "a_b",
                                          "",
                                          "-a",
                                          "[::1]",
                                          "h%41",
                                          "a b",
                                          "\xc3\xa9t\xc3\xa9.fr"};
  const std::vector<std::string> ports = {"",       ":",      ":0",     ":1",      ":80", ":080",
                                          ":65535", ":65536", ":99999", ":123456", ":8a", ":-1"};
  const std::vector<std::string> rests = {"",
                                          "/",
                                          "/todos/1",
                                          "?q=1",
                                          "/a?b=c&d=e",
                                          "/../x",
                                          "/a/./b",
                                          "/a#f",
                                          "/a\\b",
                                          "/%zz",
                                          "/~u/!$&'()*+,;=:@",
                                          "//x",
                                          "/\xc3\xa4",
                                          "?",
                                          "/a{b}",
                                          "/a|b",
                                          "/a^b",
                                          "/[x]",
                                          "/\"q\""};
  std::size_t compared = 0;
  for (const std::string scheme : {"http://", "https://", "HTTP://", ""}) {
    for (const auto& host : hosts) {
      for (const auto& port : ports) {
        for (const auto& rest : rests) {
          const std::string text = scheme + host + port + rest;
          const std::string url = scheme.empty() ? "http://" + text : text;
          const auto checked = check_url(text);
          if (!checked && checked.error().message.find("invalid URL: ") == std::string::npos) {
            continue;  // a byte check or the missing-colon check came first
          }
          EXPECT_EQ(checked.has_value(), libcurl_parses(url)) << text;
          ++compared;
        }
      }
    }
  }
  constexpr std::string_view kAlphabet = "aZ09-._~!$&'()*+,;=:@/?#%[]\\\"<>{}|^`";
  std::mt19937 random(16);
  std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> length(0, 12);
  for (int i = 0; i < 20000; ++i) {
    std::string url = i % 2 == 0 ? "http://" : "https://";
    for (std::size_t n = length(random); n > 0; --n) url += kAlphabet[pick(random)];
    const auto checked = check_url(url);
    if (!checked && checked.error().message.find("invalid URL: ") == std::string::npos) continue;
    EXPECT_EQ(checked.has_value(), libcurl_parses(url)) << url;
    ++compared;
  }
  EXPECT_GT(compared, std::size_t{20000});
}

TEST(CheckUrlTest, ChecksAreIndependentOfThePreviousUrl) {
  EXPECT_TRUE(check_url("http://a.example/dir/").has_value());
  expect_invalid("http://", "invalid URL: ");
  EXPECT_EQ(check_url("b.example"), "http://b.example");
}

TEST(CheckUrlTest, WorksOnSeveralThreads) {
  std::string results[4];
  {
    std::jthread threads[4];
    for (int t = 0; t < 4; ++t) {
      threads[t] = std::jthread([t, &results] {
        for (int i = 0; i < 100; ++i) {
          const std::string url = "h" + std::to_string(t) + ".example/" + std::to_string(i);
          results[t] = check_url(url).value_or("rejected " + url);
        }
      });
    }
  }
  for (int t = 0; t < 4; ++t) EXPECT_EQ(results[t], "http://h" + std::to_string(t) + ".example/99");
}

TEST(RedactUserinfoTest, HidesTheUserinfoButShowsThatThereWasOne) {
  EXPECT_EQ(redact_userinfo("http://user:secret@host:8080/a?b#c"), "http://***@host:8080/a?b#c");
  EXPECT_EQ(redact_userinfo("https://token@host/"), "https://***@host/");
  EXPECT_EQ(redact_userinfo("HTTP://:pw@[::1]/x"), "HTTP://***@[::1]/x");
  // Every '@' of the authority goes, however many a hostile URL has.
  EXPECT_EQ(redact_userinfo("http://a@b@host/x"), "http://***@host/x");
  // Read as check_url reads it: a text without a scheme is http://text.
  EXPECT_EQ(redact_userinfo("user:pw@host/x"), "***@host/x");
}

TEST(RedactUserinfoTest, LeavesUrlsWithoutUserinfoAlone) {
  for (const std::string_view url :
       {"http://host/a@b", "http://host/?to=a@b", "http://host#a@b", "http://host", "host/x@y",
        "file:/etc/a@b", "data:text/plain,a@b", "", "@list", "http://@host/"}) {
    EXPECT_EQ(redact_userinfo(url), url);
  }
}

}  // namespace
}  // namespace sluice
