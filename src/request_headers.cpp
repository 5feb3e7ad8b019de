// -H: the request headers a run adds, replaces or removes, checked before the run, and put
// together with a request's own.
#include "request_headers.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace sluice::detail {
namespace {

bool is_token_char(unsigned char c) {
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
}

bool same_name(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

bool is_token(std::string_view text) {
  return !text.empty() && std::ranges::all_of(text, is_token_char);
}

std::string_view header_name(std::string_view header) {
  return header.substr(0, header.find_first_of(":;"));
}

std::vector<std::string> headers_without_credentials(const std::vector<std::string>& headers) {
  std::vector<std::string> kept;
  for (const auto& header : headers) {
    const std::string_view name = header_name(header);
    if (!same_name(name, "authorization") && !same_name(name, "cookie")) kept.push_back(header);
  }
  return kept;
}

std::vector<std::string> merged_headers(const std::vector<std::string>& run_headers,
                                        const std::vector<std::string>& request_headers) {
  std::vector<std::string> merged;
  for (const auto& header : run_headers) {
    const bool replaced = std::ranges::any_of(request_headers, [&](const std::string& own) {
      return same_name(header_name(own), header_name(header));
    });
    if (!replaced) merged.push_back(header);
  }
  merged.insert(merged.end(), request_headers.begin(), request_headers.end());
  return merged;
}

std::expected<void, std::string> check_request_header(std::string_view header) {
  const auto end = header.find_first_of(":;");
  const std::string_view name = header.substr(0, end);
  if (end == std::string_view::npos || name.empty()) {
    return std::unexpected(std::string("must be 'Name: value', 'Name:' or 'Name;'"));
  }
  if (!is_token(name)) {
    return std::unexpected("has a name with a character a header name cannot have");
  }
  const std::string_view value = header.substr(end + 1);
  const bool control = std::ranges::any_of(
      value, [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
  // A CR or LF would end the header and start another one that libcurl would send as given.
  if (control) {
    return std::unexpected("'" + std::string(name) +
                           "' has control characters such as CR, LF or NUL in its value");
  }
  if (header[end] == ';' && !value.empty()) {
    return std::unexpected("'" + std::string(name) + "' has text after ';' (use 'Name: value')");
  }
  return {};
}

}  // namespace sluice::detail
