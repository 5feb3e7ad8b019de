// host_key with libcurl's URL parser, so that the key names the server libcurl connects to.
#include "limit/host_key.hpp"

#include <curl/curl.h>

#include <memory>

namespace sluice::detail {
namespace {

struct UrlHandleDeleter {
  void operator()(CURLU* handle) const noexcept { curl_url_cleanup(handle); }
};

struct PartDeleter {
  void operator()(char* part) const noexcept { curl_free(part); }
};
using Part = std::unique_ptr<char, PartDeleter>;

// One handle per thread, as in check_url: every transfer asks, and a CURLU is not safe to
// share between threads.
CURLU* thread_url_handle() {
  thread_local const std::unique_ptr<CURLU, UrlHandleDeleter> handle(curl_url());
  return handle.get();
}

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

}  // namespace sluice::detail
