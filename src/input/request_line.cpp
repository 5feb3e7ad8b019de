// One line of a JSON-lines request list read into a Request, every problem named by its field.
#include "input/request_line.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "request_headers.hpp"

namespace sluice::detail {
namespace {

using nlohmann::json;

constexpr std::size_t kSha256HexDigits = 64;

std::unexpected<RequestLineError> bad(std::string url, std::string message) {
  return std::unexpected(RequestLineError{std::move(url), std::move(message)});
}

// "Name: value" lines as -H takes them, from {"Name": "value" | "" | null}.
std::expected<std::vector<std::string>, std::string> header_lines(const json& headers) {
  if (!headers.is_object()) return std::unexpected("\"headers\" must be an object");
  std::vector<std::string> lines;
  for (const auto& [name, value] : headers.items()) {
    std::string line;
    if (value.is_null()) {
      line = name + ":";
    } else if (!value.is_string()) {
      return std::unexpected("\"headers\": the value of '" + name + "' must be a string or null");
    } else if (value.get_ref<const std::string&>().empty()) {
      line = name + ";";
    } else {
      line = name + ": " + value.get<std::string>();
    }
    if (auto checked = check_request_header(line); !checked) {
      return std::unexpected("\"headers\": header " + checked.error());
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::expected<std::string, std::string> sha256_hex(const json& value) {
  if (!value.is_string()) return std::unexpected("\"sha256\" must be a string");
  std::string hex = value.get<std::string>();
  const bool all_hex = std::ranges::all_of(
      hex, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
  if (hex.size() != kSha256HexDigits || !all_hex) {
    return std::unexpected("\"sha256\" must be 64 hex digits");
  }
  std::ranges::transform(hex, hex.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return hex;
}

}  // namespace

std::expected<Request, RequestLineError> parse_request_line(std::string_view line) {
  const json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return bad("", "not valid JSON");
  if (!object.is_object()) return bad("", "not a JSON object");

  Request request;
  const auto url = object.find("url");
  if (url == object.end()) return bad("", "missing \"url\"");
  if (!url->is_string()) return bad("", "\"url\" must be a string");
  request.url = url->get<std::string>();
  const auto fail = [&](std::string message) { return bad(request.url, std::move(message)); };

  for (const auto& [key, value] : object.items()) {
    if (key == "url") continue;
    if (key == "id") {
      if (value.is_string()) {
        request.id = value.get<std::string>();
      } else if (value.is_number()) {
        request.id = value.dump();
      } else {
        return fail("\"id\" must be a string or a number");
      }
    } else if (key == "method") {
      if (!value.is_string() || !is_token(value.get_ref<const std::string&>())) {
        return fail("\"method\" must be a method name such as \"POST\"");
      }
      request.method = value.get<std::string>();
    } else if (key == "headers") {
      auto headers = header_lines(value);
      if (!headers) return fail(std::move(headers.error()));
      request.headers = std::move(*headers);
    } else if (key == "body") {
      if (!value.is_string()) return fail("\"body\" must be a string");
      request.body = value.get<std::string>();
    } else if (key == "out") {
      if (!value.is_string()) return fail("\"out\" must be a string");
      request.out = value.get<std::string>();
    } else if (key == "sha256") {
      auto hex = sha256_hex(value);
      if (!hex) return fail(std::move(hex.error()));
      request.sha256 = std::move(*hex);
    } else {
      return fail("unknown field \"" + key + "\"");
    }
  }
  return request;
}

}  // namespace sluice::detail
