// What the last answer of a finished transfer asks of us in its headers: Retry-After, the
// rate limit its RateLimit or X-RateLimit-* headers announce, and where its Location points.
#include "engines/answer_headers.hpp"

#include <array>
#include <string>
#include <string_view>

namespace sluice::detail {

std::optional<std::string> answer_field(CURL* easy, std::string_view name) {
  // libcurl wants a terminated string. Most names fit the buffer, which spares an
  // allocation per lookup: every answer is searched for four rate-limit fields.
  std::array<char, 64> buffer{};
  std::string long_name;
  const char* field = buffer.data();
  if (name.size() < buffer.size()) {
    name.copy(buffer.data(), name.size());
  } else {
    long_name = name;
    field = long_name.c_str();
  }
  curl_header* header = nullptr;
  // Request -1 is the last one; CURLH_HEADER leaves out trailers, 1xx and CONNECT answers.
  if (curl_easy_header(easy, field, 0, CURLH_HEADER, -1, &header) != CURLHE_OK) {
    return std::nullopt;
  }
  std::string value = header->value;
  const std::size_t amount = header->amount;
  for (std::size_t i = 1; i < amount; ++i) {
    if (curl_easy_header(easy, field, i, CURLH_HEADER, -1, &header) != CURLHE_OK) break;
    value += ", ";
    value += header->value;
  }
  return value;
}

std::optional<std::chrono::seconds> retry_after(CURL* easy) {
  curl_off_t seconds = 0;
  // libcurl parses both forms, a number of seconds and an HTTP date; 0 means "none".
  if (curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK || seconds <= 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

std::optional<RateLimitInfo> announced_rate_limit(CURL* easy,
                                                  std::chrono::system_clock::time_point wall_now) {
  return parse_rate_limit_headers(
      [easy](std::string_view name) { return answer_field(easy, name); }, wall_now);
}

std::optional<std::string> redirect_location(CURL* easy) { return answer_field(easy, "Location"); }

std::optional<std::string> latest_redirect_location(CURL* easy) {
  std::optional<std::string> latest;
  // Requests are numbered from 0; past the last one libcurl says CURLHE_NOREQUEST.
  for (int request = 0;; ++request) {
    curl_header* header = nullptr;
    const CURLHcode found = curl_easy_header(easy, "Location", 0, CURLH_HEADER, request, &header);
    if (found == CURLHE_OK) latest = header->value;
    if (found != CURLHE_OK && found != CURLHE_MISSING) return latest;
  }
}

}  // namespace sluice::detail
