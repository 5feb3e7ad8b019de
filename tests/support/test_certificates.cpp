// openssl req and x509 as child processes: RSA 2048, valid for two days.
#include "support/test_certificates.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/child_process.hpp"

namespace sluice::test {
namespace {

void openssl(const std::vector<std::string>& args) {
  const auto result = run_child("/usr/bin/openssl", args, {}, std::chrono::seconds(60));
  ASSERT_EQ(result.exit_code, 0) << result.err;
}

// Writes LEAF.pem/LEAF.key into `dir`, signed by dir's CA, with `extensions` (a file of
// openssl x509 -extfile lines) when given.
void make_leaf(const std::filesystem::path& dir, const std::string& leaf,
               const std::string& extensions = {}) {
  const auto at = [&](const std::string& name) { return (dir / name).string(); };
  openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + leaf, "-keyout",
           at(leaf + ".key"), "-out", at(leaf + ".csr")});
  std::vector<std::string> sign{"x509",
                                "-req",
                                "-days",
                                "2",
                                "-in",
                                at(leaf + ".csr"),
                                "-CA",
                                at("ca.pem"),
                                "-CAkey",
                                at("ca.key"),
                                "-CAcreateserial",
                                "-out",
                                at(leaf + ".pem")};
  if (!extensions.empty()) sign.insert(sign.end(), {"-extfile", extensions});
  openssl(sign);
}

}  // namespace

void make_server_certificate(const std::filesystem::path& dir,
                             const std::string& subject_alt_name) {
  std::ofstream(dir / "san.cnf") << "subjectAltName=" << subject_alt_name << "\n";
  make_leaf(dir, "server", (dir / "san.cnf").string());
}

void make_test_certificates(const std::filesystem::path& dir) {
  const auto at = [&](const char* name) { return (dir / name).string(); };
  for (const char* ca : {"ca", "other-ca"}) {
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             std::string("/CN=sluice test ") + ca, "-keyout", at(ca) + ".key", "-out",
             at(ca) + ".pem"});
  }
  make_server_certificate(dir, "IP:127.0.0.1,DNS:localhost");
  make_leaf(dir, "client");
}

}  // namespace sluice::test
