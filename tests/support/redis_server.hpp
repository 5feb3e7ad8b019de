// A real redis-server for a test: started on a free loopback port with no snapshots, in
// the test's directory, killed at scope end; and redis-cli to look at what it holds.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace sluice::test {

struct RedisSettings {
  bool append_only = false;   // AOF with fsync on every write: a restart loses nothing
  std::string password = {};  // requirepass, when not empty
  // TLS only (--port 0) with the files make_test_certificates() wrote here: server.pem,
  // and ca.pem for client certificates (which redis-cli here shows: client.pem).
  std::optional<std::filesystem::path> tls_certificates = {};
  bool client_certificate_required = false;  // with tls_certificates
  // On a start, each key or AOF command read back takes this much longer (redis' hidden
  // key-load-delay): a restarted server answers LOADING for a while, as one with much data
  // does.
  std::chrono::microseconds key_load_delay{0};
};

// Not thread-safe. Lifetime: the server runs from construction to destruction (SIGKILL).
class RedisServer {
 public:
  // Fails the calling test (ADD_FAILURE) if redis-server does not answer within 10 s.
  RedisServer(std::filesystem::path dir, RedisSettings settings = {});
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  std::uint16_t port() const noexcept { return port_; }
  std::string url() const;  // redis[s]://[:PASSWORD@]127.0.0.1:PORT
  // SIGKILL, then the same server again on the same port and directory.
  void kill();
  void start();
  // redis-cli's answer to `args` (--raw), trailing newline removed.
  std::string cli(const std::vector<std::string>& args) const;
  std::uint64_t number(const std::vector<std::string>& args) const;

 private:
  bool answers() const;

  std::filesystem::path dir_;
  RedisSettings settings_;
  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace sluice::test
