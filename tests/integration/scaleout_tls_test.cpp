// Workers on Redis over TLS (rediss://): a real redis-server with a TLS port only, a
// certificate from a test CA and a password; submit, two workers and results agree on one
// record per URL, an untrusted server is a one-line error that hides the password, a
// certificate for another host name is refused alike, a client certificate is shown when
// asked for, and a worker reconnects after a restart.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/ports.hpp"
#include "support/records.hpp"
#include "support/redis_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_certificates.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "s3cret";

// Runs sluice with `environment` ("NAME=value") and the test's own CA variables unset.
test::ChildResult run_sluice_without_ca_variables(
    const std::vector<std::string>& args, const std::vector<std::string>& environment = {}) {
  std::vector<std::string> command{"-u", "SSL_CERT_FILE", "-u", "SSL_CERT_DIR"};
  command.insert(command.end(), environment.begin(), environment.end());
  command.push_back(SLUICE_BINARY);
  command.insert(command.end(), args.begin(), args.end());
  return test::run_child("/usr/bin/env", command, {}, 60s);
}

void expect_one_line_error(const test::ChildResult& result, const std::string& says) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(says), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
  EXPECT_EQ(result.err.find(kPassword), std::string::npos) << "the password is shown";
}

class ScaleOutTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/bin/openssl")) GTEST_SKIP() << "openssl is not installed";
    test::make_test_certificates(certificates_.path());
    redis_ = std::make_unique<test::RedisServer>(
        dir_.path(),
        test::RedisSettings{
            .append_only = true, .password = kPassword, .tls_certificates = certificates_.path()});
  }

  std::string file(const char* name) const { return (certificates_.path() / name).string(); }
  // The server's URL and a trusted CA: the options every command here needs.
  std::vector<std::string> target(const std::string& job) const {
    return {"--redis", redis_->url(), "--redis-cacert", file("ca.pem"), "--job", job};
  }
  std::vector<std::string> command(const std::string& name, const std::string& job) const {
    std::vector<std::string> args{name};
    for (auto& part : target(job)) args.push_back(part);
    return args;
  }
  std::unique_ptr<test::ChildProcess> start_worker(const std::string& job) {
    auto args = command("worker", job);
    args.insert(args.end(), {"-c", "10", "--lease", "1s", "--retries", "1", "--consumer",
                             "w" + std::to_string(++workers_)});
    return std::make_unique<test::ChildProcess>(SLUICE_BINARY, args);
  }
  // Submits `count` URLs of the test server, each with `query`.
  std::vector<std::string> submit(const std::string& job, std::size_t count,
                                  const std::string& query = {}) {
    std::vector<std::string> urls;
    std::string list;
    for (std::size_t i = 1; i <= count; ++i) {
      urls.push_back(server_.base_url() + "/todos/" + std::to_string(i) + query);
      list += urls.back() + "\n";
    }
    auto args = command("submit", job);
    args.push_back("@" + dir_.write(job + ".txt", list).string());
    const auto result = run_sluice_without_ca_variables(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, std::to_string(count) + "\n");
    return urls;
  }
  std::uint64_t results_count(const std::string& job) const {
    return redis_->number({"XLEN", "sluice:{" + job + "}:results"});
  }
  // Read back over rediss:// too: exactly one ok record per URL, nothing pending.
  void expect_one_record_each(const std::string& job, const std::vector<std::string>& urls) {
    const auto result = run_sluice_without_ca_variables(command("results", job));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto records = test::parse_records(result.out);
    EXPECT_EQ(records.size(), urls.size());
    const auto by_url = test::count_by_url(records);
    for (const auto& url : urls) {
      const auto found = by_url.find(url);
      EXPECT_TRUE(found != by_url.end() && found->second == 1) << url;
    }
    EXPECT_EQ(test::count_by_kind(records)["ok"], urls.size());
    EXPECT_EQ(redis_->cli({"XPENDING", "sluice:{" + job + "}:requests", "workers"}).substr(0, 1),
              "0");
  }

  test::TempDir dir_;
  test::TempDir certificates_;
  Server server_{ServerConfig{.threads = 2}};
  std::unique_ptr<test::RedisServer> redis_;
  int workers_ = 0;
};

TEST_F(ScaleOutTlsTest, TwoWorkersOverRedissGiveEveryUrlOneRecord) {
  const auto urls = submit("tls", 2000);
  auto first = start_worker("tls");
  auto second = start_worker("tls");
  const auto first_result = first->wait(90s);
  const auto second_result = second->wait(90s);
  EXPECT_EQ(first_result.exit_code, 0) << first_result.err;
  EXPECT_EQ(second_result.exit_code, 0) << second_result.err;
  expect_one_record_each("tls", urls);
  const auto status = run_sluice_without_ca_variables(command("status", "tls"));
  EXPECT_NE(status.out.find("done 2000 (failed 0)"), std::string::npos) << status.out;
}

// A server whose certificate the given CA did not sign: each command stops with one line
// naming the server (its password hidden), at once rather than after reconnects.
TEST_F(ScaleOutTlsTest, AnUntrustedServerIsAOneLineErrorWithoutThePassword) {
  const std::string shown = "rediss://:***@127.0.0.1:" + std::to_string(redis_->port());
  for (const char* name : {"worker", "status", "results"}) {
    expect_one_line_error(
        run_sluice_without_ca_variables(
            {name, "--redis", redis_->url(), "--redis-cacert", file("other-ca.pem"), "--job", "j"}),
        "redis at " + shown + ": the server's TLS certificate is not trusted");
  }
  expect_one_line_error(
      run_sluice_without_ca_variables({"submit", "--redis", redis_->url(), "--redis-cacert",
                                       file("other-ca.pem"), "--job", "j", "http://x/"}),
      "not trusted");
  // No CA given: OpenSSL's defaults, $SSL_CERT_FILE first.
  const std::vector<std::string> status{"status", "--redis", redis_->url(), "--job", "j"};
  expect_one_line_error(run_sluice_without_ca_variables(status), "not trusted");
  expect_one_line_error(
      run_sluice_without_ca_variables(status, {"SSL_CERT_FILE=" + file("other-ca.pem")}),
      "not trusted");
  expect_one_line_error(
      run_sluice_without_ca_variables(status, {"SSL_CERT_FILE=" + file("ca.pem")}), "no job 'j'");
  // Asked for by name only, an unchecked server is accepted.
  auto insecure = status;
  insecure.push_back("--redis-insecure");
  expect_one_line_error(run_sluice_without_ca_variables(insecure), "no job 'j'");
}

// A server whose certificate the trusted CA signed, but for another name: the certificate
// must also name the host the URL gives, by address or by name, else one line, no crash.
TEST_F(ScaleOutTlsTest, ACertificateForAnotherNameIsAOneLineError) {
  test::TempDir elsewhere_dir;
  test::TempDir elsewhere_files;
  for (const char* name : {"ca.pem", "ca.key", "client.pem", "client.key"}) {
    fs::copy_file(certificates_.path() / name, elsewhere_files.path() / name);
  }
  test::make_server_certificate(elsewhere_files.path(), "DNS:other.example");
  test::RedisServer elsewhere(elsewhere_dir.path(),
                              {.password = kPassword, .tls_certificates = elsewhere_files.path()});
  const std::string port = std::to_string(elsewhere.port());
  for (const char* name : {"worker", "status", "results"}) {
    expect_one_line_error(
        run_sluice_without_ca_variables(
            {name, "--redis", elsewhere.url(), "--redis-cacert", file("ca.pem"), "--job", "j"}),
        "redis at rediss://:***@127.0.0.1:" + port +
            ": the server's TLS certificate is not trusted: IP address mismatch");
  }
  expect_one_line_error(
      run_sluice_without_ca_variables({"status", "--redis",
                                       "rediss://:" + std::string(kPassword) + "@localhost:" + port,
                                       "--redis-cacert", file("ca.pem"), "--job", "j"}),
      "redis at rediss://:***@localhost:" + port +
          ": the server's TLS certificate is not trusted: hostname mismatch");
  // Unchecked (--redis-insecure), the same server answers: the refusal was the name.
  auto insecure = run_sluice_without_ca_variables(
      {"status", "--redis", elsewhere.url(), "--redis-insecure", "--job", "j"});
  expect_one_line_error(insecure, "no job 'j'");
}

TEST_F(ScaleOutTlsTest, AWrongPasswordOrAPlainUrlIsAOneLineError) {
  const std::string port = std::to_string(redis_->port());
  const auto wrong =
      run_sluice_without_ca_variables({"status", "--redis", "rediss://:wrong@127.0.0.1:" + port,
                                       "--redis-cacert", file("ca.pem"), "--job", "j"});
  expect_one_line_error(wrong, "authentication failed");
  EXPECT_EQ(wrong.err.find("wrong"), std::string::npos) << "the password is shown";
  expect_one_line_error(
      run_sluice_without_ca_variables({"status", "--redis", "redis://127.0.0.1:" + port,
                                       "--redis-cacert", file("ca.pem"), "--job", "j"}),
      "need a rediss:// URL");
  const auto plain = run_sluice_without_ca_variables(
      {"status", "--redis", "redis://127.0.0.1:" + port, "--job", "j"});
  EXPECT_EQ(plain.exit_code, 2) << plain.err;
  EXPECT_EQ(plain.err.find('\n'), plain.err.size() - 1) << plain.err;
}

// A server that wants a client certificate: refused without one, served with the test CA's.
TEST_F(ScaleOutTlsTest, AClientCertificateIsShownWhenTheServerAsksForOne) {
  test::TempDir strict_dir;
  test::RedisServer strict(strict_dir.path(), {.tls_certificates = certificates_.path(),
                                               .client_certificate_required = true});
  const std::vector<std::string> status{"status",       "--redis", strict.url(), "--redis-cacert",
                                        file("ca.pem"), "--job",   "j"};
  const auto without = run_sluice_without_ca_variables(status);
  EXPECT_EQ(without.exit_code, 2) << without.err;
  EXPECT_EQ(without.err.find('\n'), without.err.size() - 1) << without.err;
  auto with = status;
  with.insert(with.end(), {"--redis-cert", file("client.pem"), "--redis-key", file("client.key")});
  expect_one_line_error(run_sluice_without_ca_variables(with), "no job 'j'");
}

// Redis killed (AOF) and started again while two workers run over TLS: they reconnect with
// backoff, handshake again and finish; nothing lost, nothing doubled.
TEST_F(ScaleOutTlsTest, WorkersReconnectOverTlsAfterARedisRestart) {
  const auto urls = submit("restart", 1000, "?delay=5ms");
  auto first = start_worker("restart");
  auto second = start_worker("restart");
  ASSERT_TRUE(test::wait_until([&] { return results_count("restart") >= 100; }, 60s));
  EXPECT_LT(results_count("restart"), urls.size()) << "the restart must come mid-run";
  redis_->kill();
  std::this_thread::sleep_for(500ms);  // the workers find it gone and back off
  redis_->start();
  const auto first_result = first->wait(90s);
  const auto second_result = second->wait(90s);
  EXPECT_EQ(first_result.exit_code, 0) << first_result.err;
  EXPECT_EQ(second_result.exit_code, 0) << second_result.err;
  expect_one_record_each("restart", urls);
}

}  // namespace
}  // namespace sluice
