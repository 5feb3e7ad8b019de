// One connection to Redis (blocking; redis:// or rediss://): commands one at a time or
// pipelined, and a reconnect with backoff after the server went away (a restart, a network cut).
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "worker/redis_transport.hpp"

namespace sluice::detail {

// Not thread-safe: one thread uses a link. Lifetime: owns its connection.
class RedisLink {
 public:
  // Connects, authenticates and selects the database; `on_connect` (may be empty) runs after
  // every connect, the first too (to load scripts, which a restarted server forgot).
  static std::expected<RedisLink, RedisFailure> open(
      const RedisUrl& url,
      std::function<std::expected<void, RedisFailure>(RedisLink&)> on_connect = {});
  // Not connected yet: the first command connects (and a retrying one waits for the server).
  static RedisLink lazy(const RedisUrl& url,
                        std::function<std::expected<void, RedisFailure>(RedisLink&)> on_connect);
  RedisLink(RedisLink&&) noexcept;
  RedisLink& operator=(RedisLink&&) noexcept;
  ~RedisLink();

  // A server's error answer (ERR, NOGROUP...) is a reply of type Error, not a failure.
  std::expected<RedisReply, RedisFailure> call(const RedisCommand& command);
  // The commands sent together, their replies read after: one round trip.
  std::expected<std::vector<RedisReply>, RedisFailure> pipeline(
      const std::vector<RedisCommand>& commands);
  // As call() and pipeline(), but an Unreachable failure is followed by reconnects with
  // backoff (100 ms doubling to 2 s) for up to `patience`, and the commands are sent again:
  // only for commands that are safe to repeat. Ends early with a failure when `stop` is
  // requested.
  std::expected<std::vector<RedisReply>, RedisFailure> pipeline_retrying(
      const std::vector<RedisCommand>& commands, std::stop_token stop,
      std::chrono::milliseconds patience = std::chrono::seconds(60));
  std::expected<RedisReply, RedisFailure> call_retrying(
      const RedisCommand& command, std::stop_token stop,
      std::chrono::milliseconds patience = std::chrono::seconds(60));

  const RedisUrl& url() const noexcept { return url_; }

 private:
  RedisLink(RedisUrl url, std::function<std::expected<void, RedisFailure>(RedisLink&)> on_connect);
  std::expected<void, RedisFailure> connect();
  RedisFailure broken(const std::string& what);

  RedisUrl url_;
  std::function<std::expected<void, RedisFailure>(RedisLink&)> on_connect_;
  std::unique_ptr<RedisTransport> transport_;  // null while disconnected
};

}  // namespace sluice::detail
