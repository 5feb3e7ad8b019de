// A blocking hiredis connection with pipelining and reconnects.
#include "worker/redis_link.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace sluice::detail {
namespace {

constexpr timeval kConnectTimeout{.tv_sec = 2, .tv_usec = 0};
// Longer than the longest BLOCK a caller asks for (entry_feeder.cpp: 1 s).
constexpr timeval kCommandTimeout{.tv_sec = 10, .tv_usec = 0};

void append(redisContext* context, const RedisCommand& command) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(command.size());
  lengths.reserve(command.size());
  for (const auto& part : command) {
    argv.push_back(part.data());
    lengths.push_back(part.size());
  }
  redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data());
}

// Sleeps `wait` unless `stop` comes first; false when it did.
bool sleep_unless_stopped(std::chrono::milliseconds wait, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any woken;
  std::unique_lock lock(mutex);
  // The predicate never holds: the wait ends by the time or by the stop.
  woken.wait_for(lock, stop, wait, [] { return false; });
  return !stop.stop_requested();
}

}  // namespace

void RedisLink::ContextFree::operator()(redisContext* context) const noexcept {
  redisFree(context);
}

RedisLink::RedisLink(RedisUrl url,
                     std::function<std::expected<void, RedisFailure>(RedisLink&)> on_connect)
    : url_(std::move(url)), on_connect_(std::move(on_connect)) {}
RedisLink::RedisLink(RedisLink&&) noexcept = default;
RedisLink& RedisLink::operator=(RedisLink&&) noexcept = default;
RedisLink::~RedisLink() = default;

std::expected<RedisLink, RedisFailure> RedisLink::open(
    const RedisUrl& url, std::function<std::expected<void, RedisFailure>(RedisLink&)> on_connect) {
  RedisLink link(url, std::move(on_connect));
  if (auto connected = link.connect(); !connected) return std::unexpected(connected.error());
  return link;
}

RedisLink RedisLink::lazy(const RedisUrl& url,
                          std::function<std::expected<void, RedisFailure>(RedisLink&)> on_connect) {
  return RedisLink(url, std::move(on_connect));
}

RedisFailure RedisLink::broken(const std::string& what) {
  RedisFailure failure{.kind = RedisFailure::Kind::Unreachable,
                       .message = "redis at " + url_.shown() + ": " + what};
  context_.reset();
  return failure;
}

std::expected<void, RedisFailure> RedisLink::connect() {
  context_.reset(redisConnectWithTimeout(url_.host.c_str(), url_.port, kConnectTimeout));
  if (!context_) return std::unexpected(broken("cannot allocate a connection"));
  if (context_->err != 0) return std::unexpected(broken(context_->errstr));
  redisSetTimeout(context_.get(), kCommandTimeout);
  const auto refused = [&](const std::string& what, const RedisReply& reply) {
    context_.reset();
    return RedisFailure{.kind = RedisFailure::Kind::Refused,
                        .message = "redis at " + url_.shown() + ": " + what + ": " + reply.text};
  };
  if (url_.password) {
    RedisCommand auth{"AUTH"};
    if (url_.user) auth.push_back(*url_.user);
    auth.push_back(*url_.password);
    auto reply = call(auth);
    if (!reply) return std::unexpected(reply.error());
    if (reply->is_error()) return std::unexpected(refused("authentication failed", *reply));
  }
  if (url_.database != 0) {
    auto reply = call({"SELECT", std::to_string(url_.database)});
    if (!reply) return std::unexpected(reply.error());
    if (reply->is_error()) return std::unexpected(refused("cannot select the database", *reply));
  }
  // A server that wants a password answers the first real command with NOAUTH: find out now.
  auto ping = call({"PING"});
  if (!ping) return std::unexpected(ping.error());
  if (ping->is_error()) return std::unexpected(refused("refused", *ping));
  if (on_connect_) {
    if (auto ready = on_connect_(*this); !ready) {
      context_.reset();
      return std::unexpected(ready.error());
    }
  }
  return {};
}

std::expected<RedisReply, RedisFailure> RedisLink::call(const RedisCommand& command) {
  auto replies = pipeline({command});
  if (!replies) return std::unexpected(replies.error());
  return std::move(replies->front());
}

std::expected<std::vector<RedisReply>, RedisFailure> RedisLink::pipeline(
    const std::vector<RedisCommand>& commands) {
  if (!context_) {
    if (auto connected = connect(); !connected) return std::unexpected(connected.error());
  }
  for (const auto& command : commands) append(context_.get(), command);
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
      return std::unexpected(
          broken(context_->errstr[0] != '\0' ? context_->errstr : "connection lost"));
    }
    replies.push_back(to_reply(*static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

std::expected<std::vector<RedisReply>, RedisFailure> RedisLink::pipeline_retrying(
    const std::vector<RedisCommand>& commands, std::stop_token stop,
    std::chrono::milliseconds patience) {
  const auto give_up = std::chrono::steady_clock::now() + patience;
  std::chrono::milliseconds backoff(100);
  for (;;) {
    auto replies = pipeline(commands);
    if (replies || replies.error().kind != RedisFailure::Kind::Unreachable) return replies;
    if (std::chrono::steady_clock::now() + backoff > give_up ||
        !sleep_unless_stopped(backoff, stop)) {
      return replies;
    }
    backoff = std::min<std::chrono::milliseconds>(2 * backoff, std::chrono::seconds(2));
  }
}

std::expected<RedisReply, RedisFailure> RedisLink::call_retrying(
    const RedisCommand& command, std::stop_token stop, std::chrono::milliseconds patience) {
  auto replies = pipeline_retrying({command}, stop, patience);
  if (!replies) return std::unexpected(replies.error());
  return std::move(replies->front());
}

}  // namespace sluice::detail
