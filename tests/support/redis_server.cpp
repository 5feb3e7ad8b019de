// redis-server and redis-cli as child processes.
#include "support/redis_server.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "support/ports.hpp"
#include "support/records.hpp"

namespace sluice::test {

RedisServer::RedisServer(std::filesystem::path dir, RedisSettings settings)
    : dir_(std::move(dir)), settings_(std::move(settings)), port_(closed_port()) {
  start();
}

RedisServer::~RedisServer() = default;  // ChildProcess kills and reaps

std::string RedisServer::url() const {
  const std::string auth = settings_.password.empty() ? "" : ":" + settings_.password + "@";
  const std::string scheme = settings_.tls_certificates ? "rediss://" : "redis://";
  return scheme + auth + "127.0.0.1:" + std::to_string(port_);
}

void RedisServer::start() {
  // Over TLS, no plain port: every client must speak TLS.
  const std::string plain_port = settings_.tls_certificates ? "0" : std::to_string(port_);
  std::vector<std::string> args{"--port",        plain_port,
                                "--bind",        "127.0.0.1",
                                "--save",        "",
                                "--dir",         dir_.string(),
                                "--appendonly",  settings_.append_only ? "yes" : "no",
                                "--appendfsync", "always",
                                "--logfile",     (dir_ / "redis.log").string()};
  if (!settings_.password.empty()) args.insert(args.end(), {"--requirepass", settings_.password});
  if (settings_.key_load_delay.count() > 0) {
    args.insert(args.end(), {"--key-load-delay", std::to_string(settings_.key_load_delay.count())});
  }
  if (const auto& files = settings_.tls_certificates) {
    args.insert(args.end(), {"--tls-port", std::to_string(port_), "--tls-cert-file",
                             (*files / "server.pem").string(), "--tls-key-file",
                             (*files / "server.key").string(), "--tls-ca-cert-file",
                             (*files / "ca.pem").string(), "--tls-auth-clients",
                             settings_.client_certificate_required ? "yes" : "optional"});
  }
  process_ = std::make_unique<ChildProcess>("/usr/bin/redis-server", args);
  if (!wait_until([&] { return answers(); }, std::chrono::seconds(10))) {
    ADD_FAILURE() << "redis-server on port " << port_ << " does not answer";
  }
}

void RedisServer::kill() {
  process_->signal(SIGKILL);
  process_->wait(std::chrono::seconds(10));
  process_.reset();
}

bool RedisServer::answers() const { return cli({"PING"}) == "PONG"; }

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> all{"-p", std::to_string(port_), "--raw"};
  if (const auto& files = settings_.tls_certificates) {
    all.insert(all.end(),
               {"--tls", "--cacert", (*files / "ca.pem").string(), "--cert",
                (*files / "client.pem").string(), "--key", (*files / "client.key").string()});
  }
  if (!settings_.password.empty())
    all.insert(all.end(), {"-a", settings_.password, "--no-auth-warning"});
  all.insert(all.end(), args.begin(), args.end());
  auto result = run_child("/usr/bin/redis-cli", all, {}, std::chrono::seconds(10));
  while (!result.out.empty() && result.out.back() == '\n') result.out.pop_back();
  return result.out;
}

std::uint64_t RedisServer::number(const std::vector<std::string>& args) const {
  const std::string text = cli(args);
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    ADD_FAILURE() << "redis-cli answered '" << text << "', not a number";
    return 0;
  }
}

}  // namespace sluice::test
