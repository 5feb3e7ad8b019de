// The byte path under a RedisLink: plain TCP through hiredis' own connection for redis://,
// TLS through OpenSSL with hiredis' command formatter and reply reader for rediss://.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "worker/redis_reply.hpp"
#include "worker/redis_url.hpp"

namespace sluice::detail {

using RedisCommand = std::vector<std::string>;

// A command as hiredis' argv calls take it: pointers to its parts and their lengths. Valid
// while the command it was made from lives.
struct RedisArgv {
  explicit RedisArgv(const RedisCommand& command) {
    for (const auto& part : command) {
      argv.push_back(part.data());
      lengths.push_back(part.size());
    }
  }
  int count() const noexcept { return static_cast<int>(argv.size()); }
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
};

// Why a connection or a command failed.
struct RedisFailure {
  enum class Kind {
    Unreachable,  // no connection, or it broke: worth a reconnect
    Refused,      // the server said no (AUTH, SELECT, its certificate): a reconnect would not help
  };
  Kind kind = Kind::Unreachable;
  std::string message;  // one line, naming the server (never its password)
};

inline constexpr std::chrono::seconds kRedisConnectTimeout{2};
// Longer than the longest BLOCK a caller asks for (entry_feeder.cpp: 1 s).
inline constexpr std::chrono::seconds kRedisCommandTimeout{10};

// Not thread-safe. Lifetime: owns its socket; after a failed call it is broken for good (the
// link opens a new one).
class RedisTransport {
 public:
  virtual ~RedisTransport() = default;
  // The commands in order, as one pipeline; their replies come from receive().
  virtual std::expected<void, std::string> send(const std::vector<RedisCommand>& commands) = 0;
  // The next reply, waiting up to kRedisCommandTimeout. A server's error answer is a reply.
  virtual std::expected<RedisReply, std::string> receive() = 0;
};

// Failures carry what went wrong only; the link adds which server.
std::expected<std::unique_ptr<RedisTransport>, RedisFailure> open_plain_transport(
    const RedisUrl& url);
// Verifies the server's certificate chain and its name (host name or IP address) unless
// url.tls->verify is false; an untrusted certificate is Refused.
std::expected<std::unique_ptr<RedisTransport>, RedisFailure> open_tls_transport(
    const RedisUrl& url);

}  // namespace sluice::detail
