// The request options, run through the real binary against the embedded server's echo routes:
// what the server saw (headers, credentials, cookies, a proxy's absolute-form target), the
// record fields they add, and that no secret is ever written anywhere.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/records.hpp"
#include "support/run_sluice.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

constexpr const char* kUrlPassword = "url-pw-3f9a";
constexpr const char* kUserPassword = "user-pw-8c1d";
constexpr const char* kToken = "bearer-tok-5e27";

using test::run_sluice;

class RequestOptionsTest : public ::testing::Test {
 protected:
  std::string url(const std::string& path, const std::string& userinfo = "") const {
    return "http://" + userinfo + "127.0.0.1:" + std::to_string(server_.port()) + path;
  }

  // Runs sluice with `args` saving bodies under the temp dir; the records it printed.
  std::vector<nlohmann::json> fetch(std::vector<std::string> args, int exit_code = 0) {
    args.insert(args.begin(), {"-q", "-o", bodies().string()});
    last_ = run_sluice(args);
    EXPECT_EQ(last_.exit_code, exit_code) << last_.err << last_.out;
    return test::parse_records(last_.out);
  }

  // The saved body of `record`, as JSON.
  static nlohmann::json saved_json(const nlohmann::json& record) {
    return nlohmann::json::parse(test::read_file(record.at("saved_to").get<std::string>()));
  }

  std::filesystem::path bodies() const { return dir_.path() / "bodies"; }

  Server server_{ServerConfig{}};
  test::TempDir dir_;
  test::ChildResult last_;
};

TEST_F(RequestOptionsTest, HeadersAndABearerTokenReachTheServer) {
  const auto records = fetch({"-H", "X-Backfill: yes", "-H", "Accept:", "-H", "X-Empty;",
                              "--oauth2-bearer", kToken, url("/anything")});
  ASSERT_EQ(records.size(), 1u);
  const auto headers = saved_json(records[0]).at("headers");
  EXPECT_EQ(headers.at("X-Backfill"), "yes");
  EXPECT_EQ(headers.at("X-Empty"), "");
  EXPECT_FALSE(headers.contains("Accept")) << headers.dump();
  EXPECT_EQ(headers.at("Authorization"), std::string("Bearer ") + kToken);
}

TEST_F(RequestOptionsTest, UserSendsBasicCredentials) {
  const auto records = fetch({"--user", std::string("bob:") + kUserPassword, url("/anything")});
  ASSERT_EQ(records.size(), 1u);
  // base64("bob:user-pw-8c1d")
  EXPECT_EQ(saved_json(records[0]).at("headers").at("Authorization"),
            "Basic Ym9iOnVzZXItcHctOGMxZA==");
}

// The secrets of --user, --oauth2-bearer and a URL's userinfo are in no record, summary,
// message or file name, also for a URL that fails.
TEST_F(RequestOptionsTest, SecretsAppearNowhere) {
  const auto summary = dir_.path() / "summary.json";
  const std::string userinfo = std::string("al:") + kUrlPassword + "@";
  const auto with_user =
      fetch({"--summary-json", summary.string(), "--retries", "0", "--user",
             std::string("bob:") + kUserPassword, url("/anything?x=1", userinfo),
             url("/status/404", userinfo), "http://" + userinfo + "127.0.0.1:1/refused"},
            /*exit_code=*/1);
  const std::string user_out = last_.out + last_.err + test::read_file(summary);
  const auto with_url = fetch({"--summary-json", summary.string(), url("/anything", userinfo)});
  const std::string url_out = last_.out + last_.err + test::read_file(summary);
  const auto with_token = fetch({"--summary-json", summary.string(), "--oauth2-bearer", kToken,
                                 url("/redirect/1", userinfo)});
  const std::string token_out = last_.out + last_.err + test::read_file(summary);

  ASSERT_EQ(with_user.size(), 3u);
  ASSERT_EQ(with_url.size(), 1u);
  ASSERT_EQ(with_token.size(), 1u);
  EXPECT_EQ(with_url[0].at("url"), url("/anything", "***@"));
  EXPECT_EQ(with_token[0].at("final_url"), url("/redirect/0", "***@"));
  // The URL's credentials were sent: only the record hides them.
  EXPECT_EQ(saved_json(with_url[0]).at("headers").at("Authorization"),
            "Basic YWw6dXJsLXB3LTNmOWE=");  // base64("al:url-pw-3f9a")
  for (const std::string secret : {kUrlPassword, kUserPassword, kToken}) {
    for (const auto* text : {&user_out, &url_out, &token_out}) {
      EXPECT_EQ(text->find(secret), std::string::npos) << secret << " in " << *text;
    }
    for (const auto& entry : std::filesystem::directory_iterator(bodies())) {
      EXPECT_EQ(entry.path().string().find(secret), std::string::npos) << entry.path();
      EXPECT_EQ(entry.path().string().find("al"), std::string::npos) << entry.path();
    }
  }
}

TEST_F(RequestOptionsTest, CompressedSavesTheDecodedBodyAndCountsBothSizes) {
  const auto records = fetch({"--compressed", url("/gzip")});
  ASSERT_EQ(records.size(), 1u);
  const auto& record = records[0];
  const auto body = saved_json(record);
  EXPECT_TRUE(body.at("gzipped").get<bool>());
  EXPECT_NE(body.at("headers").at("Accept-Encoding").get<std::string>().find("gzip"),
            std::string::npos);
  const auto saved_size = std::filesystem::file_size(record.at("saved_to").get<std::string>());
  EXPECT_EQ(record.at("bytes").get<std::uint64_t>(), saved_size);
  EXPECT_LT(record.at("wire_bytes").get<std::uint64_t>(), saved_size);
}

TEST_F(RequestOptionsTest, WithoutCompressedABodyIsSavedAsItCame) {
  const auto records = fetch({url("/gzip")});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].contains("wire_bytes"));
  const std::string body = test::read_file(records[0].at("saved_to").get<std::string>());
  ASSERT_GE(body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(body[0]), 0x1f);  // the gzip magic
  EXPECT_EQ(static_cast<unsigned char>(body[1]), 0x8b);
}

// br and zstd as gzip above: decoded with --compressed, saved as they came without it.
TEST_F(RequestOptionsTest, CompressedDecodesBrotliAndZstd) {
  for (const std::string coding : {"brotli", "zstd"}) {
    const auto records = fetch({"--compressed", url("/" + coding)});
    ASSERT_EQ(records.size(), 1u) << coding;
    const auto& record = records[0];
    EXPECT_TRUE(saved_json(record).at(coding).get<bool>()) << coding;
    const auto saved_size = std::filesystem::file_size(record.at("saved_to").get<std::string>());
    EXPECT_EQ(record.at("bytes").get<std::uint64_t>(), saved_size) << coding;
    EXPECT_LT(record.at("wire_bytes").get<std::uint64_t>(), saved_size) << coding;
  }
}

TEST_F(RequestOptionsTest, WithoutCompressedBrotliAndZstdAreSavedAsTheyCame) {
  const auto brotli = fetch({url("/brotli")});
  ASSERT_EQ(brotli.size(), 1u);
  EXPECT_FALSE(brotli[0].contains("wire_bytes"));
  // brotli has no magic number: the raw body is not the JSON it encodes.
  EXPECT_THROW(saved_json(brotli[0]), nlohmann::json::parse_error);

  const auto zstd = fetch({url("/zstd")});
  ASSERT_EQ(zstd.size(), 1u);
  EXPECT_FALSE(zstd[0].contains("wire_bytes"));
  const std::string body = test::read_file(zstd[0].at("saved_to").get<std::string>());
  ASSERT_GE(body.size(), 4u);
  EXPECT_EQ(body.substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));  // the zstd frame magic
}

TEST_F(RequestOptionsTest, CookiesAreSentFromAStringOrAFile) {
  const auto from_string = fetch({"--cookie", "a=1; b=2", url("/cookies")});
  ASSERT_EQ(from_string.size(), 1u);
  EXPECT_EQ(saved_json(from_string[0]).at("cookies"), (nlohmann::json{{"a", "1"}, {"b", "2"}}));

  // Netscape format: domain, subdomains, path, secure, expiry (0: session), name, value.
  const auto jar = dir_.write("cookies.txt",
                              "# Netscape HTTP Cookie File\n"
                              "127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc\n");
  const auto from_file = fetch({"--cookie", jar.string(), url("/cookies")});
  ASSERT_EQ(from_file.size(), 1u);
  EXPECT_EQ(saved_json(from_file[0]).at("cookies"), (nlohmann::json{{"session", "abc"}}));
}

// The server stands in for the proxy: a proxy is asked for the absolute URL, which the echo
// shows, and a name the machine cannot resolve is fetched all the same, by the proxy.
TEST_F(RequestOptionsTest, ProxyIsAskedForTheWholeUrl) {
  const auto records = fetch({"--proxy", url(""), "http://sluice-proxy.invalid/anything"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(saved_json(records[0]).at("target"), "http://sluice-proxy.invalid/anything");
}

TEST_F(RequestOptionsTest, NoProxyHostsAreReachedDirectly) {
  // Nothing listens on port 1: a request through that proxy would fail to connect.
  const auto records =
      fetch({"--proxy", "http://127.0.0.1:1", "--noproxy", "127.0.0.1", url("/anything")});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(saved_json(records[0]).at("target"), "/anything");
}

TEST_F(RequestOptionsTest, TheRecordSaysWhichHttpVersionAnswered) {
  const auto records = fetch({"--http1.1", url("/todos/1")});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("http_version"), "1.1");
}

TEST_F(RequestOptionsTest, ABadHeaderIsAUsageErrorThatDoesNotShowItsValue) {
  const auto result =
      run_sluice({"-H", "X-Token: secret-value\r\nX-Injected: 1", url("/anything")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--header: header 1 'X-Token' has control characters"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("secret-value"), std::string::npos) << result.err;
  EXPECT_EQ(server_.stats().requests, 0u);
}

TEST_F(RequestOptionsTest, UserAndBearerTogetherAreAUsageError) {
  const auto result = run_sluice({"--user", "a:b", "--oauth2-bearer", "t", url("/anything")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--oauth2-bearer and the user option"), std::string::npos)
      << result.err;
}

TEST_F(RequestOptionsTest, AMissingCaFileIsAUsageError) {
  const auto result = run_sluice({"--cacert", "/nonexistent/ca.pem", url("/anything")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--cacert '/nonexistent/ca.pem' is not a readable file"),
            std::string::npos)
      << result.err;
}

// sluice follows redirects itself (one hop at a time, for --per-host), so it must keep the
// credentials from another host as libcurl does: --user, --cookie and the Authorization and
// Cookie headers of -H go to the URL's own host only; other -H headers go everywhere.
TEST_F(RequestOptionsTest, CredentialsStayWithTheUrlsOwnHostAcrossRedirects) {
  const Server other{ServerConfig{}};
  const std::string elsewhere = "http://127.0.0.1:" + std::to_string(other.port()) + "/anything";
  const std::vector<std::vector<std::string>> credentials = {
      {"--user", std::string("bob:") + kUserPassword, "--cookie", "c=d"},
      {"-H", std::string("Authorization: Bearer ") + kToken, "-H", "Cookie: e=f"}};
  for (const char* engine : {"loop", "threads"}) {
    for (const auto& given : credentials) {
      std::vector<std::string> args = {"--engine", engine, "-H", "X-Keep: 1"};
      args.insert(args.end(), given.begin(), given.end());
      args.push_back(url("/redirect-to?url=" + elsewhere));
      args.push_back(url("/redirect-to?url=" + url("/anything")));
      const auto records = fetch(args);
      ASSERT_EQ(records.size(), 2u) << engine;
      for (const auto& record : records) {
        const auto headers = saved_json(record).at("headers");
        const bool to_other = record.at("final_url") == elsewhere;
        EXPECT_EQ(headers.contains("Authorization"), !to_other) << engine << headers.dump();
        EXPECT_EQ(headers.contains("Cookie"), !to_other) << engine << headers.dump();
        EXPECT_EQ(headers.at("X-Keep"), "1") << engine;
      }
      std::filesystem::remove_all(bodies());
    }
  }
}

}  // namespace
}  // namespace sluice
