// A blocking Redis connection with pipelining and reconnects, over either transport.
#include "worker/redis_link.hpp"

#include <algorithm>

#include "worker/stoppable_sleep.hpp"

namespace sluice::detail {
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
  transport_.reset();
  return failure;
}

std::expected<void, RedisFailure> RedisLink::connect() {
  auto opened = url_.tls ? open_tls_transport(url_) : open_plain_transport(url_);
  if (!opened) {
    return std::unexpected(
        RedisFailure{.kind = opened.error().kind,
                     .message = "redis at " + url_.shown() + ": " + opened.error().message});
  }
  transport_ = std::move(*opened);
  const auto refused = [&](const std::string& what, const RedisReply& reply) {
    transport_.reset();
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
  // A restarted server answers LOADING until it has read its data back (AOF, RDB): a server
  // not there yet, which the reconnects wait for, not a refusal.
  if (ping->is_error() && ping->text.starts_with("LOADING")) {
    return std::unexpected(broken(ping->text));
  }
  if (ping->is_error()) return std::unexpected(refused("refused", *ping));
  if (on_connect_) {
    if (auto ready = on_connect_(*this); !ready) {
      transport_.reset();
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
  if (!transport_) {
    if (auto connected = connect(); !connected) return std::unexpected(connected.error());
  }
  if (auto sent = transport_->send(commands); !sent) return std::unexpected(broken(sent.error()));
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    auto reply = transport_->receive();
    if (!reply) return std::unexpected(broken(reply.error()));
    replies.push_back(std::move(*reply));
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
