// The test server's echo routes: /anything, /gzip, /brotli, /zstd, /cookies and /cookies/set.
#include "server/echo_routes.hpp"

#include <nlohmann/json.hpp>

#include "server/content_codings.hpp"

namespace sluice::detail {
namespace {

namespace http = boost::beast::http;

// Every header as "name": "value"; a header sent more than once is joined with ", ".
nlohmann::json header_object(const http::request_header<>& request) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& field : request) {
    const std::string name(field.name_string());
    const std::string value(field.value());
    headers[name] =
        headers.contains(name) ? headers[name].get<std::string>() + ", " + value : value;
  }
  return headers;
}

nlohmann::json echo_json(const http::request_header<>& request) {
  return {{"method", std::string(request.method_string())},
          {"target", std::string(request.target())},
          {"headers", header_object(request)}};
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The pairs of a "a=b; c=d" list (a Cookie header, or a query with '&').
nlohmann::json pairs(std::string_view text, char separator) {
  nlohmann::json object = nlohmann::json::object();
  while (!text.empty()) {
    const auto end = text.find(separator);
    const std::string_view pair = trimmed(text.substr(0, end));
    if (const auto equals = pair.find('='); equals != std::string_view::npos && equals > 0) {
      object[std::string(pair.substr(0, equals))] = std::string(pair.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return object;
}

}  // namespace

std::optional<Answer> echo_route(const http::request_header<>& request, std::string_view path,
                                 std::string_view query, std::string& body,
                                 std::string_view request_body) {
  if (path == "/anything" || path.starts_with("/anything/")) {
    auto echo = echo_json(request);
    echo["body"] = std::string(request_body);
    // `replace`: a binary body reads back with U+FFFD rather than failing the answer.
    body = echo.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return Answer{};
  }
  const bool get = request.method() == http::verb::get || request.method() == http::verb::head;
  if (!get) return std::nullopt;  // route() answers 405
  // Each encoded route echoes the request with a flag naming its coding, as httpbin does.
  struct Encoded {
    std::string_view path, flag, coding;
    std::string (*encode)(std::string_view);
  };
  static constexpr Encoded kEncoded[] = {{"/gzip", "gzipped", "gzip", gzip},
                                         {"/brotli", "brotli", "br", brotli},
                                         {"/zstd", "zstd", "zstd", zstd}};
  for (const auto& encoded : kEncoded) {
    if (path != encoded.path) continue;
    nlohmann::json json = echo_json(request);
    json[std::string(encoded.flag)] = true;
    body = encoded.encode(json.dump());
    return Answer{.fields = {{"Content-Encoding", std::string(encoded.coding)}}};
  }
  if (path == "/cookies") {
    const auto cookie = request.find(http::field::cookie);
    const std::string_view header =
        cookie == request.end() ? std::string_view() : std::string_view(cookie->value());
    body = nlohmann::json{{"cookies", pairs(header, ';')}}.dump();
    return Answer{};
  }
  if (path == "/cookies/set") {
    const nlohmann::json set = pairs(query, '&');
    Answer answer;
    for (const auto& [name, value] : set.items()) {
      answer.fields.emplace_back("Set-Cookie", name + "=" + value.get<std::string>() + "; Path=/");
    }
    body = nlohmann::json{{"cookies", set}}.dump();
    return answer;
  }
  return std::nullopt;
}

}  // namespace sluice::detail
