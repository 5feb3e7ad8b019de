// Certificates for TLS tests, made by the openssl program into a test's directory.
#pragma once

#include <filesystem>
#include <string>

namespace sluice::test {

// Writes ca.pem/ca.key (a CA), server.pem/server.key (signed by it, for 127.0.0.1 and
// localhost), client.pem/client.key (signed by it) and other-ca.pem/other-ca.key (a second CA
// that signs nothing). Fails the calling test if openssl fails.
void make_test_certificates(const std::filesystem::path& dir);

// Writes server.pem/server.key into `dir`, signed by the CA already there (ca.pem, ca.key),
// for `subject_alt_name` ("DNS:name,IP:address..."). Fails the calling test if openssl fails.
void make_server_certificate(const std::filesystem::path& dir, const std::string& subject_alt_name);

}  // namespace sluice::test
