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

}  // namespace

void make_test_certificates(const std::filesystem::path& dir) {
  const auto at = [&](const char* name) { return (dir / name).string(); };
  std::ofstream(dir / "san.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  for (const char* ca : {"ca", "other-ca"}) {
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             std::string("/CN=sluice test ") + ca, "-keyout", at(ca) + ".key", "-out",
             at(ca) + ".pem"});
  }
  for (const char* leaf : {"server", "client"}) {
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", std::string("/CN=") + leaf, "-keyout",
             at(leaf) + ".key", "-out", at(leaf) + ".csr"});
    std::vector<std::string> sign{"x509",
                                  "-req",
                                  "-days",
                                  "2",
                                  "-in",
                                  at(leaf) + ".csr",
                                  "-CA",
                                  at("ca.pem"),
                                  "-CAkey",
                                  at("ca.key"),
                                  "-CAcreateserial",
                                  "-out",
                                  at(leaf) + ".pem"};
    if (std::string(leaf) == "server") sign.insert(sign.end(), {"-extfile", at("san.cnf")});
    openssl(sign);
  }
}

}  // namespace sluice::test
