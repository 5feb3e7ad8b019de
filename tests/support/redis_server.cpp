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
  return "redis://" + auth + "127.0.0.1:" + std::to_string(port_);
}

void RedisServer::start() {
  std::vector<std::string> args{"--port",        std::to_string(port_),
                                "--bind",        "127.0.0.1",
                                "--save",        "",
                                "--dir",         dir_.string(),
                                "--appendonly",  settings_.append_only ? "yes" : "no",
                                "--appendfsync", "always",
                                "--logfile",     (dir_ / "redis.log").string()};
  if (!settings_.password.empty()) args.insert(args.end(), {"--requirepass", settings_.password});
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
