// host_key with libcurl's URL parser, so that the key names the server libcurl connects to.
#include "limit/host_key.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "thread_url_handle.hpp"

namespace sluice::detail {
namespace {

struct PartDeleter {
  void operator()(char* part) const noexcept { curl_free(part); }
};
using Part = std::unique_ptr<char, PartDeleter>;

std::optional<Part> get_part(CURLU* handle, CURLUPart which, unsigned int flags) {
  char* part = nullptr;
  if (curl_url_get(handle, which, &part, flags) != CURLUE_OK) return std::nullopt;
  return Part(part);
}

void append_lowered(std::string& out, const char* text) {
  for (; *text != '\0'; ++text) {
    const char c = *text;
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
}

}  // namespace

std::optional<std::string> host_key(std::string_view url) {
  CURLU* handle = thread_url_handle();
  if (handle == nullptr) return std::nullopt;
  // curl_url_set needs a terminated string; a URL is short enough to copy per transfer.
  const std::string text(url);
  // A failed set leaves the previous URL in the handle, so it is cleared first.
  curl_url_set(handle, CURLUPART_URL, nullptr, 0);
  if (curl_url_set(handle, CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) return std::nullopt;
  const auto scheme = get_part(handle, CURLUPART_SCHEME, 0);
  const auto host = get_part(handle, CURLUPART_HOST, 0);
  // CURLU_DEFAULT_PORT answers 80 or 443 when the URL names no port.
  const auto port = get_part(handle, CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!scheme || !host || !port) return std::nullopt;
  std::string key;
  append_lowered(key, scheme->get());
  key.append("://");
  append_lowered(key, host->get());
  key.push_back(':');
  key.append(port->get());
  return key;
}

std::string host_key_of_checked_url(std::string_view url) {
  thread_local std::string last_prefix;
  thread_local std::string last_key;
  // libcurl ends the authority at the first '/', '?' or '#' after "://". An empty one
  // ("http:///host") is not cached: libcurl looks past the extra slash for the host.
  const std::size_t separator = url.find("://");
  if (separator == std::string_view::npos) return host_key(url).value_or("");
  const std::size_t host_start = separator + 3;
  // find_first_of would search the set for each byte; this compares once per byte.
  const auto is_end = [](char c) { return c == '/' || c == '?' || c == '#'; };
  const auto authority_end = static_cast<std::size_t>(
      std::find_if(url.begin() + static_cast<std::ptrdiff_t>(host_start), url.end(), is_end) -
      url.begin());
  if (authority_end == host_start) return host_key(url).value_or("");
  const std::string_view prefix = url.substr(0, authority_end);
  if (prefix == last_prefix) return last_key;
  auto key = host_key(url);
  if (!key) return "";
  last_prefix.assign(prefix);
  last_key = *key;
  return std::move(*key);
}

}  // namespace sluice::detail
