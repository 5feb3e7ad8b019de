// nginx for HTTPS tests, started on the test's own config.
#include "support/test_nginx.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <vector>

#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice::test {
namespace fs = std::filesystem;

bool port_accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected =
      ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

bool nginx_installed() { return fs::exists(kNginx) && fs::exists("/usr/bin/openssl"); }

std::vector<std::string> nginx_arguments(const fs::path& dir, const std::string& http_block) {
  const auto at = [&](const char* name) { return (dir / name).string(); };
  std::ofstream(dir / "nginx.conf")
      << "daemon off; master_process off; worker_processes 1; pid " << at("nginx.pid")
      << "; error_log " << at("error.log") << ";\nevents { worker_connections 4096; }\n"
      << "http { client_body_temp_path " << at("body") << "; proxy_temp_path " << at("proxy")
      << ";\n"
      << http_block << "\n}\n";
  return {"-p", dir.string(), "-e", at("error.log"), "-c", at("nginx.conf")};
}

TestNginx::TestNginx(const fs::path& dir, const std::string& http_block)
    : dir_(dir),
      process_(std::make_unique<ChildProcess>(kNginx, nginx_arguments(dir, http_block))) {}

bool TestNginx::wait_listening(std::uint16_t port) const {
  return wait_until([port] { return port_accepts(port); });
}

std::string TestNginx::error_log() const { return read_file(dir_ / "error.log"); }

}  // namespace sluice::test
