// URL checks that run for every input line: byte scans first (they give precise messages),
// then libcurl's own parser, so what passes here is what libcurl will accept for a transfer.
// URLs of the plainest form skip the parser: see is_plain_url.
#include "input/url_check.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <boost/locale/utf.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <utility>

#include "thread_url_handle.hpp"

namespace sluice::detail {
namespace {

constexpr std::size_t kMaxUrlBytes = 65536;
constexpr std::string_view kDefaultScheme = "http://";

FetchError invalid(std::string message) {
  return FetchError{.kind = ErrorKind::InvalidUrl, .message = std::move(message)};
}

std::string at_column(std::string_view what, std::size_t offset) {
  std::string message = "URL contains ";
  message.append(what).append(" at column ").append(std::to_string(offset + 1));
  return message;
}

// Whitespace and control bytes end the URL for libcurl ("Bad hostname", "Bad path"); naming
// the byte and its column tells the user what to fix. Bytes from 0x80 must form UTF-8.
std::optional<FetchError> check_bytes(std::string_view text) {
  using Utf8 = boost::locale::utf::utf_traits<char>;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte > 0x20 && byte < 0x7f) continue;
    if (byte == 0) return invalid(at_column("a NUL byte", i));
    if (byte == ' ' || byte == '\t') return invalid(at_column("whitespace", i));
    if (byte < 0x80) {
      constexpr std::string_view kHex = "0123456789abcdef";
      const std::string what =
          std::string("control character 0x") + kHex[byte >> 4] + kHex[byte & 0xf];
      return invalid(at_column(what, i));
    }
    auto next = text.begin() + static_cast<std::ptrdiff_t>(i);
    const auto code_point = Utf8::decode(next, text.end());
    if (code_point == boost::locale::utf::illegal || code_point == boost::locale::utf::incomplete) {
      return invalid(at_column("bytes that are not UTF-8", i));
    }
    i = static_cast<std::size_t>(next - text.begin()) - 1;
  }
  return std::nullopt;
}

// The scheme as curl sees one: RFC 3986 scheme characters followed by ":/". So "host:80/x"
// and "mailto:x@y" have none (and get http://, as with the curl tool), "file:/etc" has one.
std::string_view scheme_of(std::string_view text) {
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto is_scheme_char = [&](char c) {
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  };
  if (text.empty() || !is_alpha(text.front())) return {};
  std::size_t end = 1;
  while (end < text.size() && is_scheme_char(text[end])) ++end;
  return text.substr(end).starts_with(":/") ? text.substr(0, end) : std::string_view{};
}

bool equals_ignoring_case(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c =
        text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
    if (c != lower[i]) return false;
  }
  return true;
}

// "http//host" would otherwise be fetched as http://http//host, which fails on DNS for host
// "http"; the missing ':' is the likely typo, so it is named. The message goes into records:
// the URL it suggests has its userinfo hidden.
std::optional<FetchError> check_missing_colon(std::string_view text) {
  for (const std::string_view scheme : {"http", "https"}) {
    const std::string_view typed = text.substr(0, scheme.size());
    const std::string_view rest = text.substr(typed.size());
    if (rest.size() > 2 && equals_ignoring_case(typed, scheme) && rest.starts_with("//")) {
      const std::string meant = std::string(typed) + ":" + std::string(rest);
      return invalid("missing ':' after '" + std::string(typed) + "'? (did you mean " +
                     redact_userinfo(meant) + "?)");
    }
  }
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal number from 1 to `max` without a leading zero: what every libcurl reads alike.
bool is_plain_number(std::string_view digits, unsigned max) {
  if (digits.empty() || digits.size() > 5 || digits.front() == '0') return false;
  unsigned value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value <= max;
}

// Four decimal octets, each 0 or 1-255 without a leading zero ("127.0.0.1").
bool is_plain_ipv4(std::string_view host) {
  for (int part = 0; part < 4; ++part) {
    const std::size_t dot = part < 3 ? host.find('.') : host.size();
    if (dot == std::string_view::npos) return false;
    const std::string_view octet = host.substr(0, dot);
    if (octet != "0" && !is_plain_number(octet, 255)) return false;
    host.remove_prefix(part < 3 ? dot + 1 : dot);
  }
  return true;
}

// A name that starts with a letter (so no libcurl reads it as a number) and holds letters,
// digits, '-' and '.' only: none of the bytes libcurl's host check refuses.
bool is_plain_name(std::string_view host) {
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (host.empty() || host.size() > 253 || !is_alpha(host.front())) return false;
  return std::all_of(host.begin(), host.end(),
                     [&](char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.'; });
}

// Path and query bytes that libcurl stores as they are: RFC 3986's unreserved and sub-delims,
// ':', '@', '/' and '?'; no '%', '#', '\\', brackets or anything beyond ASCII.
bool is_plain_path_byte(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) return true;
  constexpr std::string_view kPlain = "-._~!$&'()*+,;=:@/?";
  return kPlain.find(c) != std::string_view::npos;
}

// True for "http://" or "https://", a plain name or IPv4 address, an optional port from 1 to
// 65535, and a path and query of plain bytes. libcurl's parser accepts every such URL (as
// CheckUrlTest.AgreesWithLibcurlsParser checks on generated URLs), so it need not run: it
// would cost more than the rest of a line's reading. Anything else goes to the parser.
bool is_plain_url(std::string_view url) {
  if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else if (url.starts_with("https://")) {
    url.remove_prefix(8);
  } else {
    return false;
  }
  const auto authority_end = static_cast<std::size_t>(
      std::ranges::find_if(url, [](char c) { return c == '/' || c == '?'; }) - url.begin());
  std::string_view host = url.substr(0, authority_end);
  const std::string_view rest = url.substr(authority_end);
  if (const std::size_t colon = host.find(':'); colon != std::string_view::npos) {
    if (!is_plain_number(host.substr(colon + 1), 65535)) return false;
    host = host.substr(0, colon);
  }
  if (!is_plain_name(host) && !is_plain_ipv4(host)) return false;
  return std::all_of(rest.begin(), rest.end(), is_plain_path_byte);
}

// Where the authority that begins at `start` ends: at the first '/', '?' or '#', else at the
// end. One comparison per byte (find_first_of searches the set for each byte): every input
// line comes through here.
std::size_t end_of_authority(std::string_view url, std::size_t start) {
  const auto is_end = [](char c) { return c == '/' || c == '?' || c == '#'; };
  return static_cast<std::size_t>(
      std::find_if(url.begin() + static_cast<std::ptrdiff_t>(start), url.end(), is_end) -
      url.begin());
}

}  // namespace

std::expected<std::string, FetchError> check_url(std::string_view text) {
  if (text.empty()) return std::unexpected(invalid("empty URL"));
  if (text.size() > kMaxUrlBytes) {
    return std::unexpected(
        invalid("URL is longer than " + std::to_string(kMaxUrlBytes) + " bytes"));
  }
  if (auto error = check_bytes(text)) return std::unexpected(std::move(*error));

  std::string fetch_url;
  const std::string_view scheme = scheme_of(text);
  if (scheme.empty()) {
    if (auto error = check_missing_colon(text)) return std::unexpected(std::move(*error));
    fetch_url.reserve(kDefaultScheme.size() + text.size());
    fetch_url.append(kDefaultScheme).append(text);
  } else if (equals_ignoring_case(scheme, "http") || equals_ignoring_case(scheme, "https")) {
    fetch_url.assign(text);
  } else {
    return std::unexpected(FetchError{
        .kind = ErrorKind::UnsupportedScheme,
        .message = "unsupported scheme '" + std::string(scheme) + "' (only http and https)"});
  }

  if (is_plain_url(fetch_url)) return fetch_url;

  CURLU* handle = thread_url_handle();
  if (handle == nullptr) {
    return std::unexpected(
        FetchError{.kind = ErrorKind::Other, .message = "cannot allocate a libcurl URL handle"});
  }
  // Clearing first keeps every check independent of the previous URL, which libcurl would
  // otherwise use as the base of a relative one.
  curl_url_set(handle, CURLUPART_URL, nullptr, 0);
  const CURLUcode code = curl_url_set(handle, CURLUPART_URL, fetch_url.c_str(), 0);
  if (code != CURLUE_OK) {
    return std::unexpected(invalid(std::string("invalid URL: ") + curl_url_strerror(code)));
  }
  return fetch_url;
}

std::string redact_userinfo(std::string_view url) {
  const std::string_view scheme = scheme_of(url);
  std::size_t authority = 0;
  if (!scheme.empty()) {
    if (!url.substr(scheme.size()).starts_with("://")) return std::string(url);  // file:/x
    authority = scheme.size() + 3;
  }
  const std::size_t authority_end = end_of_authority(url, authority);
  // RFC 3986 keeps '@' out of userinfo, but a hostile URL may have several: all go.
  const std::size_t at = url.substr(0, authority_end).rfind('@');
  // An empty userinfo ("http://@host/", or "@list" taken literally) hides nothing.
  if (at == std::string_view::npos || at <= authority) return std::string(url);
  std::string redacted(url.substr(0, authority));
  redacted.append("***").append(url.substr(at));
  return redacted;
}

}  // namespace sluice::detail
