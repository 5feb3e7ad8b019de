// What one request sends beyond its URL: its method and body, and the redirect rules.
#include "engines/request_method.hpp"

namespace sluice::detail {

std::string effective_method(const InputItem& item, const Options& options) {
  if (item.redirected && item.redirected->method) return *item.redirected->method;
  if (!item.request->method.empty()) return item.request->method;
  if (!options.method.empty()) return options.method;
  return effective_body(item, options) != nullptr ? "POST" : "GET";
}

const std::string* effective_body(const InputItem& item, const Options& options) {
  if (item.redirected && item.redirected->method) return nullptr;
  if (item.request->body) return &*item.request->body;
  if (options.body) return &*options.body;
  return nullptr;
}

bool may_retry(std::string_view method, const Options& options) {
  return options.retry_all_methods || method == "GET" || method == "HEAD" || method == "OPTIONS";
}

std::optional<std::string> method_after_redirect(std::string_view method, int status) {
  if (status == 303 && method != "HEAD" && method != "GET") return "GET";
  if ((status == 301 || status == 302) && method == "POST") return "GET";
  return std::nullopt;
}

}  // namespace sluice::detail
