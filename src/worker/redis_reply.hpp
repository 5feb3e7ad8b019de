// A Redis reply as a value the caller owns, converted from hiredis' tree once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace sluice::detail {

struct RedisReply {
  enum class Type { String, Array, Integer, Nil, Status, Error };
  Type type = Type::Nil;
  long long integer = 0;
  std::string text;  // String, Status and Error
  std::vector<RedisReply> elements;

  bool is_error() const noexcept { return type == Type::Error; }
  // For a flat array of field, value pairs (an entry's fields, HGETALL, XINFO's maps):
  // the value after `field`, if it is a string or a number (as text).
  std::optional<std::string> field(std::string_view name) const;
};

RedisReply to_reply(const redisReply& reply);

}  // namespace sluice::detail
