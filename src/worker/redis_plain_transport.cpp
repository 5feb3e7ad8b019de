// redis:// through hiredis' blocking connection: it writes, buffers and parses by itself.
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "worker/redis_transport.hpp"

namespace sluice::detail {
namespace {

timeval timeval_of(std::chrono::seconds duration) {
  return timeval{.tv_sec = static_cast<time_t>(duration.count()), .tv_usec = 0};
}

class PlainTransport final : public RedisTransport {
 public:
  explicit PlainTransport(redisContext* context) : context_(context) {}

  std::expected<void, std::string> send(const std::vector<RedisCommand>& commands) override {
    for (const auto& command : commands) {
      RedisArgv parts(command);  // hiredis 0.14 takes a non-const argv array
      // Only buffers: the first receive() writes the whole pipeline.
      if (redisAppendCommandArgv(context_.get(), parts.count(), parts.argv.data(),
                                 parts.lengths.data()) != REDIS_OK) {
        return std::unexpected(error_text());
      }
    }
    return {};
  }

  std::expected<RedisReply, std::string> receive() override {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) {
      return std::unexpected(error_text());
    }
    RedisReply reply = to_reply(*static_cast<redisReply*>(raw));
    freeReplyObject(raw);
    return reply;
  }

 private:
  struct ContextFree {
    void operator()(redisContext* context) const noexcept { redisFree(context); }
  };

  std::string error_text() const {
    return context_->errstr[0] != '\0' ? context_->errstr : "connection lost";
  }

  std::unique_ptr<redisContext, ContextFree> context_;
};

}  // namespace

std::expected<std::unique_ptr<RedisTransport>, RedisFailure> open_plain_transport(
    const RedisUrl& url) {
  redisContext* context =
      redisConnectWithTimeout(url.host.c_str(), url.port, timeval_of(kRedisConnectTimeout));
  if (context == nullptr) {
    return std::unexpected(RedisFailure{.message = "cannot allocate a connection"});
  }
  auto transport = std::make_unique<PlainTransport>(context);
  if (context->err != 0) return std::unexpected(RedisFailure{.message = context->errstr});
  redisSetTimeout(context, timeval_of(kRedisCommandTimeout));
  return transport;
}

}  // namespace sluice::detail
