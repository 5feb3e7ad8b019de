// A Redis server's address as a URL: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB].
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::detail {

struct RedisUrl {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::optional<std::string> user;      // AUTH USER PASSWORD (ACL users, Redis 6+)
  std::optional<std::string> password;  // AUTH PASSWORD when no user is given
  int database = 0;                     // SELECT, when not 0
  // The URL with its password shown as ***, for messages.
  std::string shown() const;
};

// Parses `text`; the error names what is wrong. Percent-escapes in the user and password
// are decoded. rediss:// (TLS) is refused with a message saying why: the Debian 12 hiredis
// (0.14) has no TLS support. Thread-safe: a pure function.
std::expected<RedisUrl, std::string> parse_redis_url(std::string_view text);

}  // namespace sluice::detail
