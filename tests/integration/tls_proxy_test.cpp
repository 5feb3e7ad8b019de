// TLS, HTTP/2 and a forward proxy against real servers started by the test on free ports:
// nginx (a certificate from a CA made here, HTTP/2 and HTTP/1.1, client certificates),
// `sluice serve --tls` and tinyproxy. Skipped when a program is missing (.ci/setup installs them).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/ports.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nginx.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Runs sluice under `env`: the CA and proxy variables of the test's own environment unset,
// then `environment` ("NAME=value") set.
test::ChildResult run_sluice_without_ca_or_proxy(std::vector<std::string> args,
                                                 const std::vector<std::string>& environment = {}) {
  std::vector<std::string> command;
  for (const char* name :
       {"CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "http_proxy", "https_proxy",
        "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    command.insert(command.end(), {"-u", name});
  }
  command.insert(command.end(), environment.begin(), environment.end());
  command.insert(command.end(), {SLUICE_BINARY, "-q"});
  if (std::find(args.begin(), args.end(), "--retries") == args.end()) {
    command.insert(command.end(), {"--retries", "0"});
  }
  command.insert(command.end(), args.begin(), args.end());
  return test::run_child("/usr/bin/env", command, {}, 60s);
}

nlohmann::json only_record(const test::ChildResult& result) {
  const auto records = test::parse_records(result.out);
  EXPECT_EQ(records.size(), 1u) << result.out << result.err;
  return records.empty() ? nlohmann::json::object() : records[0];
}

std::string kind_of(const nlohmann::json& record) {
  return record.at("error").is_null() ? "ok" : record.at("error").at("kind").get<std::string>();
}

// One nginx for the suite: an HTTPS port that speaks HTTP/2 and HTTP/1.1, and one that
// demands a client certificate from the test CA.
class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists("/usr/sbin/nginx") || !fs::exists("/usr/bin/openssl")) return;
    dir_ = new test::TempDir();
    const fs::path dir = dir_->path();
    test::make_test_certificates(dir);
    fs::create_directories(dir / "htdocs");
    std::ofstream(dir / "htdocs/hello.txt") << "hello over tls\n";
    port_ = test::closed_port();
    client_port_ = test::closed_port();
    const auto at = [&](const char* name) { return (dir / name).string(); };
    const std::string tls = "ssl_certificate " + at("server.pem") + "; ssl_certificate_key " +
                            at("server.key") + "; root " + at("htdocs") + ";";
    std::ofstream(dir / "nginx.conf")
        << "daemon off; master_process off; pid " << at("nginx.pid") << "; error_log "
        << at("error.log") << ";\nevents {}\nhttp { access_log " << at("access.log")
        << "; client_body_temp_path " << at("body") << ";\n"
        << "  server { listen 127.0.0.1:" << port_ << " ssl http2; " << tls << " }\n"
        << "  server { listen 127.0.0.1:" << client_port_ << " ssl; " << tls
        << " ssl_client_certificate " << at("ca.pem") << "; ssl_verify_client on; }\n}\n";
    nginx_ = new test::ChildProcess(
        "/usr/sbin/nginx", {"-p", dir.string(), "-e", at("error.log"), "-c", at("nginx.conf")});
    ready_ = test::wait_until(
        [] { return test::port_accepts(port_) && test::port_accepts(client_port_); });
  }
  static void TearDownTestSuite() {
    delete nginx_;  // kills and reaps it
    nginx_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "nginx-light or openssl is not installed";
    ASSERT_TRUE(ready_) << test::read_file(dir_->path() / "error.log");
  }

  static std::string url(std::uint16_t port) {
    return "https://127.0.0.1:" + std::to_string(port) + "/hello.txt";
  }
  static std::string file(const char* name) { return (dir_->path() / name).string(); }

  static inline test::TempDir* dir_ = nullptr;
  static inline test::ChildProcess* nginx_ = nullptr;
  static inline std::uint16_t port_ = 0;
  static inline std::uint16_t client_port_ = 0;
  static inline bool ready_ = false;
};

TEST_F(TlsTest, ATrustedCaAnswersOverHttp2) {
  const auto record =
      only_record(run_sluice_without_ca_or_proxy({"--cacert", file("ca.pem"), url(port_)}));
  EXPECT_EQ(kind_of(record), "ok") << record.dump();
  EXPECT_EQ(record.at("http_version"), "2");
  EXPECT_EQ(record.at("bytes"), 15);
}

TEST_F(TlsTest, Http11AsksForHttp11OverTls) {
  const auto record = only_record(
      run_sluice_without_ca_or_proxy({"--cacert", file("ca.pem"), "--http1.1", url(port_)}));
  EXPECT_EQ(kind_of(record), "ok") << record.dump();
  EXPECT_EQ(record.at("http_version"), "1.1");
}

TEST_F(TlsTest, AnUntrustedCertificateIsATlsErrorUnlessInsecure) {
  EXPECT_EQ(kind_of(only_record(
                run_sluice_without_ca_or_proxy({"--cacert", file("other-ca.pem"), url(port_)}))),
            "tls");
  EXPECT_EQ(kind_of(only_record(run_sluice_without_ca_or_proxy(
                {"--cacert", file("other-ca.pem"), "-k", url(port_)}))),
            "ok");
}

// The environment's CA bundle, as curl reads it, when --cacert is not given.
TEST_F(TlsTest, CurlCaBundleAndSslCertFileAreHonoured) {
  for (const std::string variable : {"CURL_CA_BUNDLE", "SSL_CERT_FILE"}) {
    EXPECT_EQ(kind_of(only_record(
                  run_sluice_without_ca_or_proxy({url(port_)}, {variable + "=" + file("ca.pem")}))),
              "ok")
        << variable;
    EXPECT_EQ(kind_of(only_record(run_sluice_without_ca_or_proxy(
                  {url(port_)}, {variable + "=" + file("other-ca.pem")}))),
              "tls")
        << variable;
  }
}

// nginx answers 400 to a request that came without the certificate it demands.
TEST_F(TlsTest, AClientCertificateIsSentWhenDemanded) {
  const auto without =
      only_record(run_sluice_without_ca_or_proxy({"--cacert", file("ca.pem"), url(client_port_)}));
  EXPECT_EQ(without.at("status"), 400) << without.dump();
  const auto with = only_record(
      run_sluice_without_ca_or_proxy({"--cacert", file("ca.pem"), "--cert", file("client.pem"),
                                      "--key", file("client.key"), url(client_port_)}));
  EXPECT_EQ(kind_of(with), "ok") << with.dump();
  EXPECT_EQ(with.at("status"), 200);
}

// `sluice serve --tls` started as a child; its URL from its first line.
struct TlsServe {
  explicit TlsServe(std::vector<std::string> args) : child(SLUICE_BINARY, std::move(args)) {
    const std::string line = child.read_first_line(10s);
    const auto start = line.find("https://");
    if (start != std::string::npos) base_url = line.substr(start, line.find('\n') - start);
  }
  ~TlsServe() { child.signal(SIGTERM); }
  test::ChildProcess child;
  std::string base_url;
};

// The certificate it makes is its own: -k trusts it, verification does not.
TEST(ServeTlsTest, ASelfSignedServerAnswersOverTlsWithInsecure) {
  const TlsServe serve({"serve", "--tls"});
  ASSERT_FALSE(serve.base_url.empty());
  const auto insecure =
      only_record(run_sluice_without_ca_or_proxy({"-k", serve.base_url + "/todos/1"}));
  EXPECT_EQ(kind_of(insecure), "ok") << insecure.dump();
  EXPECT_EQ(insecure.at("bytes"), 78);
  EXPECT_EQ(kind_of(only_record(run_sluice_without_ca_or_proxy({serve.base_url + "/todos/1"}))),
            "tls");
}

// Given a certificate of the test CA, --cacert trusts it, and the server's faults and ranges
// work over TLS as over plain HTTP: a cut body resumes with --continue.
TEST(ServeTlsTest, AGivenCertificateIsTrustedThroughItsCa) {
  const test::TempDir dir;
  test::make_test_certificates(dir.path());
  const auto at = [&](const char* name) { return (dir.path() / name).string(); };
  const TlsServe serve({"serve", "--tls", "--cert", at("server.pem"), "--key", at("server.key")});
  ASSERT_FALSE(serve.base_url.empty());
  const auto trusted = only_record(run_sluice_without_ca_or_proxy(
      {"--cacert", at("ca.pem"), "-o", at("out"), "--continue", "--retries", "1", "--retry-backoff",
       "10ms", serve.base_url + "/bytes/100000?fault=truncate&fault_times=1"}));
  EXPECT_EQ(kind_of(trusted), "ok") << trusted.dump();
  EXPECT_EQ(trusted.at("status"), 206);
  EXPECT_EQ(fs::file_size(trusted.at("saved_to").get<std::string>()), 100000u);
  EXPECT_EQ(kind_of(only_record(run_sluice_without_ca_or_proxy(
                {"--cacert", at("other-ca.pem"), serve.base_url + "/todos/1"}))),
            "tls");
}

// A tinyproxy started for the test: requests through it reach the embedded server, which
// counts them, and its log names each one; --noproxy goes around it.
TEST(ProxyTest, RequestsGoThroughTinyproxyUnlessNoproxy) {
  if (!fs::exists("/usr/bin/tinyproxy")) GTEST_SKIP() << "tinyproxy is not installed";
  const test::TempDir dir;
  const std::uint16_t port = test::closed_port();
  const fs::path log = dir.path() / "tinyproxy.log";
  std::ofstream(dir.path() / "tinyproxy.conf")
      << "Port " << port << "\nListen 127.0.0.1\nTimeout 30\nLogFile \"" << log.string()
      << "\"\nLogLevel Info\nMaxClients 10\nAllow 127.0.0.1\nDisableViaHeader Yes\n";
  test::ChildProcess proxy("/usr/bin/tinyproxy",
                           {"-d", "-c", (dir.path() / "tinyproxy.conf").string()});
  ASSERT_TRUE(test::wait_until([&] { return test::port_accepts(port); }));
  Server server{ServerConfig{}};
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(port);
  const std::string target = server.base_url() + "/todos/7";

  const auto through = only_record(run_sluice_without_ca_or_proxy({"--proxy", proxy_url, target}));
  EXPECT_EQ(kind_of(through), "ok") << through.dump();
  EXPECT_EQ(server.stats().requests, 1u);
  // tinyproxy logs the request line it was asked ("GET http://127.0.0.1:PORT/todos/7").
  ASSERT_TRUE(
      test::wait_until([&] { return test::read_file(log).find("/todos/7") != std::string::npos; }));

  const auto around = only_record(run_sluice_without_ca_or_proxy(
      {"--proxy", proxy_url, "--noproxy", "127.0.0.1", server.base_url() + "/todos/8"}));
  EXPECT_EQ(kind_of(around), "ok") << around.dump();
  EXPECT_EQ(server.stats().requests, 2u);
  EXPECT_EQ(test::read_file(log).find("/todos/8"), std::string::npos);

  // The environment's proxy, as libcurl reads it (lower-case http_proxy for http URLs).
  const auto from_env = only_record(run_sluice_without_ca_or_proxy({server.base_url() + "/todos/9"},
                                                                   {"http_proxy=" + proxy_url}));
  EXPECT_EQ(kind_of(from_env), "ok") << from_env.dump();
  ASSERT_TRUE(
      test::wait_until([&] { return test::read_file(log).find("/todos/9") != std::string::npos; }));
}

}  // namespace
}  // namespace sluice
