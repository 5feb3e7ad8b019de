// hiredis' reply tree -> RedisReply.
#include "worker/redis_reply.hpp"

#include <hiredis/hiredis.h>

namespace sluice::detail {

std::optional<std::string> RedisReply::field(std::string_view name) const {
  if (type != Type::Array) return std::nullopt;
  for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
    if (elements[i].text != name) continue;
    const RedisReply& value = elements[i + 1];
    if (value.type == Type::Integer) return std::to_string(value.integer);
    if (value.type == Type::String || value.type == Type::Status) return value.text;
    return std::nullopt;
  }
  return std::nullopt;
}

RedisReply to_reply(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::String;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::Status;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::Error;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::Integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::Array;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        out.elements.push_back(to_reply(*reply.element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::Nil;
      break;
  }
  return out;
}

}  // namespace sluice::detail
