// A Redis server's address as a URL: redis[s]://[[USER]:PASSWORD@]HOST[:PORT][/DB], and for
// rediss:// (TLS) how its certificate is checked.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::detail {

// What a rediss:// connection trusts and shows: redis-cli's --cacert, --cert, --key, --insecure.
struct RedisTls {
  std::string ca_file;    // empty: OpenSSL's defaults ($SSL_CERT_FILE, $SSL_CERT_DIR, the system's)
  std::string cert_file;  // a client certificate (PEM), for a server with tls-auth-clients
  std::string key_file;   // its private key; empty: in cert_file
  bool verify = true;     // the server's certificate chain and name; off only when asked
};

struct RedisUrl {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::optional<std::string> user;      // AUTH USER PASSWORD (ACL users, Redis 6+)
  std::optional<std::string> password;  // AUTH PASSWORD when no user is given
  int database = 0;                     // SELECT, when not 0
  std::optional<RedisTls> tls;          // set for rediss://
  // The URL with its password shown as ***, for messages.
  std::string shown() const;
};

// Parses `text`; the error names what is wrong. Percent-escapes in the user and password
// are decoded; rediss:// sets `tls` (verifying, with OpenSSL's default CAs). Thread-safe: a
// pure function.
std::expected<RedisUrl, std::string> parse_redis_url(std::string_view text);

}  // namespace sluice::detail
