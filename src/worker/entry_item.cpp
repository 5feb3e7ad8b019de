// InputItem <-> stream entry fields.
#include "worker/entry_item.hpp"

#include <string>

#include "input/url_check.hpp"

namespace sluice::detail {

RedisCommand entry_fields(const InputItem& item) {
  RedisCommand fields{"url", item.url, "source", item.source};
  if (item.error) {
    fields.insert(fields.end(), {"error_kind", std::string(to_string(item.error->kind)), "error",
                                 item.error->message});
  } else {
    fields.insert(fields.end(), {"fetch", item.fetch_url});
  }
  return fields;
}

InputItem item_from_entry(const RedisReply& fields, std::uint64_t index, std::string_view id) {
  InputItem item;
  item.index = index;
  const auto url = fields.field("url");
  const auto source = fields.field("source");
  item.source = source ? *source : "redis:" + std::string(id);
  if (!url) {
    item.error = FetchError{.kind = ErrorKind::InvalidUrl,
                            .message = "stream entry " + std::string(id) + " has no url field"};
    return item;
  }
  item.url = redact_userinfo(*url);
  if (const auto message = fields.field("error")) {
    const bool scheme = fields.field("error_kind") == "unsupported_scheme";
    item.error = FetchError{.kind = scheme ? ErrorKind::UnsupportedScheme : ErrorKind::InvalidUrl,
                            .message = *message};
    return item;
  }
  const auto fetch = fields.field("fetch");
  auto checked = check_url(fetch ? *fetch : *url);
  if (!checked) {
    item.error = std::move(checked.error());
    return item;
  }
  item.fetch_url = std::move(*checked);
  return item;
}

}  // namespace sluice::detail
