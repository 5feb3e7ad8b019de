// nginx for HTTPS tests: certificates from a CA made for the test, and an nginx started on
// the test's own config, both in a directory the test owns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "support/child_process.hpp"
#include "support/test_certificates.hpp"  // make_test_certificates, for the servers' TLS

namespace sluice::test {

// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool port_accepts(std::uint16_t port);

// Whether nginx (nginx-light from .ci/setup) and openssl are installed.
bool nginx_installed();

// An nginx in the foreground (no daemon, no master process, one worker) whose http block is
// `http_block`, with its prefix, pid file, logs and temporary files under `dir`. Not
// thread-safe. Lifetime: the destructor kills and reaps it; `dir` must outlive it.
class TestNginx {
 public:
  TestNginx(const std::filesystem::path& dir, const std::string& http_block);
  // Waits (boundedly) until `port` accepts; false, with the error log in `error_log()`, if not.
  bool wait_listening(std::uint16_t port) const;
  std::string error_log() const;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace sluice::test
