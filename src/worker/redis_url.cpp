// redis[s]://[[USER]:PASSWORD@]HOST[:PORT][/DB], parsed by hand: the shape is small and fixed.
#include "worker/redis_url.hpp"

#include <charconv>

namespace sluice::detail {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr std::string_view kTlsScheme = "rediss://";

std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return std::nullopt;
    const auto* first = text.data() + i + 1;
    if (std::from_chars(first, first + 2, value, 16).ptr != first + 2) return std::nullopt;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

template <class Number>
std::optional<Number> whole_number(std::string_view text, Number max) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::string RedisUrl::shown() const {
  std::string text(tls ? kTlsScheme : kScheme);
  if (user || password) text += (user ? *user : "") + (password ? ":***" : "") + "@";
  text += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  text += ":" + std::to_string(port);
  if (database != 0) text += "/" + std::to_string(database);
  return text;
}

std::expected<RedisUrl, std::string> parse_redis_url(std::string_view text) {
  RedisUrl url;
  std::string_view rest;
  if (text.starts_with(kTlsScheme)) {
    url.tls = RedisTls{};
    rest = text.substr(kTlsScheme.size());
  } else if (text.starts_with(kScheme)) {
    rest = text.substr(kScheme.size());
  } else {
    // Not echoed: the text may hold a password.
    return std::unexpected("the URL must start with redis:// or rediss://");
  }
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const auto db_text = rest.substr(slash + 1);
    if (!db_text.empty()) {
      const auto db = whole_number<int>(db_text, 1'000'000);
      if (!db)
        return std::unexpected("the database number must be a whole number, not '" +
                               std::string(db_text) + "'");
      url.database = *db;
    }
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    const auto user = percent_decoded(userinfo.substr(0, colon));
    if (!user) return std::unexpected("a bad %-escape in the user name");
    if (!user->empty()) url.user = *user;
    if (colon != std::string_view::npos) {
      const auto password = percent_decoded(userinfo.substr(colon + 1));
      if (!password) return std::unexpected("a bad %-escape in the password");
      url.password = *password;
    }
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected("an unclosed '[' in the host");
    url.host = std::string(authority.substr(1, close - 1));
    const auto after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return std::unexpected("junk after ']'");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) url.host = "127.0.0.1";
  if (!port_text.empty()) {
    const auto port = whole_number<unsigned>(port_text, 65535);
    if (!port || *port == 0) {
      return std::unexpected("the port must be 1-65535, not '" + std::string(port_text) + "'");
    }
    url.port = static_cast<std::uint16_t>(*port);
  }
  if (url.user && !url.password)
    return std::unexpected("a user name needs a password (USER:PASSWORD@)");
  return url;
}

}  // namespace sluice::detail
