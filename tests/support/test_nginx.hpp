// nginx for HTTPS and link-lab tests: certificates from a CA made for the test, and an nginx
// started on the test's own config, both in a directory the test owns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "support/child_process.hpp"
#include "support/test_certificates.hpp"  // make_test_certificates, for the servers' TLS

namespace sluice::test {

// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool port_accepts(std::uint16_t port);

inline constexpr const char* kNginx = "/usr/sbin/nginx";

// Whether nginx (nginx-light from .ci/setup) and openssl are installed.
bool nginx_installed();

// Writes `dir`/nginx.conf for an nginx in the foreground (no daemon, no master process, one
// worker) whose http block is `http_block`, with its pid file (written once it listens), logs
// and temporary files under `dir`, and returns the arguments to start kNginx with.
std::vector<std::string> nginx_arguments(const std::filesystem::path& dir,
                                         const std::string& http_block);

// An nginx on nginx_arguments(`dir`, `http_block`). Not thread-safe. Lifetime: the destructor kills
// and reaps it; `dir` must outlive it.
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
