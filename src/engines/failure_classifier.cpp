// What a failed transfer's record says went wrong: libcurl's result code as a stable error
// kind, and a message that names the limit or the earlier failure behind it.
#include "engines/failure_classifier.hpp"

#include "engines/easy_options.hpp"

namespace sluice::detail {
namespace {

// libcurl 7.88 fails a transfer whose header, 1xx answers included, passes 300 KiB with this
// message and CURLE_RECV_ERROR, which would read as a broken connection.
constexpr std::string_view kTooLargeHeaders = "Too large response headers";

bool is_http(std::string_view url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

// The scheme `reference` names (RFC 3986 section 3.1), lower-cased; empty for a relative one.
std::string scheme_of_reference(std::string_view reference) {
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto is_scheme_char = [&](char c) {
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
  };
  if (reference.empty() || !is_alpha(reference.front())) return {};
  std::string scheme;
  for (const char c : reference) {
    if (c == ':') return scheme;
    if (!is_scheme_char(c)) return {};
    scheme += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {};
}

}  // namespace

void ErrorTrail::watch(CURL* easy) noexcept {
  clear();
  easy_ = easy;
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, buffer_);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &ErrorTrail::on_request);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);
}

void ErrorTrail::clear() noexcept {
  buffer_[0] = '\0';
  redirects_ = 0;
  went_on_ = false;
  sent_ = false;
  resent_ = false;
  resent_after_.reset();
}

void ErrorTrail::note_request(long redirects) {
  // A request after an error: libcurl went on past that error. Mostly a reused connection
  // died before the answer and the request goes out again on a new one (RFC 9112 9.3.1
  // allows that for idempotent requests); or a host's first address refused the connection.
  // A redirect since then makes this request another one, which that error did not touch.
  const bool same_request = redirects == redirects_;
  if (sent_ && same_request) resent_ = true;
  sent_ = true;
  redirects_ = redirects;
  if (!same_request) resent_after_.reset();
  if (buffer_[0] != '\0' && !went_on_) {
    went_on_ = true;
    if (same_request) resent_after_ = std::string(buffer_);
  }
}

int ErrorTrail::on_request(void* self, char*, char*, int, int) {
  auto& trail = *static_cast<ErrorTrail*>(self);
  long redirects = 0;
  curl_easy_getinfo(trail.easy_, CURLINFO_REDIRECT_COUNT, &redirects);
  trail.note_request(redirects);
  return CURL_PREREQFUNC_OK;
}

std::optional<std::string_view> unparsed_redirect_target(const TransferFailure& failure) {
  if (failure.result != CURLE_UNSUPPORTED_PROTOCOL || !is_http(failure.ended_on) ||
      failure.status < 300 || failure.status > 399) {
    return std::nullopt;
  }
  const std::string scheme = scheme_of_reference(failure.location);
  if (scheme.empty() || scheme == "http" || scheme == "https") return std::nullopt;
  return failure.location;
}

FetchError describe_failure(const TransferFailure& failure) {
  const CURLcode result = failure.result;
  if (failure.too_large || result == CURLE_FILESIZE_EXCEEDED) {
    return {ErrorKind::TooLarge, "the body is larger than the maximum body size (" +
                                     std::to_string(failure.max_body) + " bytes)"};
  }
  if (!failure.save_error.empty()) return {ErrorKind::Io, std::string(failure.save_error)};
  // Network, as a body cut short: the part is gone, so a retry starts over.
  if (!failure.range_error.empty()) return {ErrorKind::Network, std::string(failure.range_error)};
  // libcurl keeps the first error message of a transfer, so after a re-sent request the
  // message tells of the dead connection while `result` tells of the new one.
  const std::string_view curl_message = failure.resent_after.empty() ? failure.curl_message : "";
  const std::string resent_note =
      failure.resent_after.empty()
          ? ""
          : " (after an earlier failure in this transfer: " + std::string(failure.resent_after) +
                ")";
  // libcurl 7.88 answers a malformed status line with the code it also uses for a refused
  // scheme; the URL the transfer ended on, or the redirect it could not even parse, tells
  // the two apart.
  if (result == CURLE_UNSUPPORTED_PROTOCOL) {
    if (!is_http(failure.ended_on) || unparsed_redirect_target(failure)) {
      return {ErrorKind::UnsupportedScheme, curl_message.empty()
                                                ? "a redirect to a scheme other than http and https"
                                                : std::string(curl_message)};
    }
    return {ErrorKind::Protocol, (curl_message.empty() ? "the answer's status line is not HTTP"
                                                       : std::string(curl_message)) +
                                     resent_note};
  }
  // libcurl 7.88 keeps a header line in a buffer of at most 100 KiB and reports a longer
  // one as a failed allocation: once an answer is arriving, that is the server's doing.
  if (result == CURLE_OUT_OF_MEMORY && failure.answer_started) {
    return {ErrorKind::Protocol,
            "a line of the answer's header is longer than libcurl takes (100 KiB)" + resent_note};
  }
  if (result == CURLE_RECV_ERROR && curl_message.starts_with(kTooLargeHeaders)) {
    return {ErrorKind::Protocol, std::string(curl_message)};
  }
  // libcurl reports the low-speed limit as a timeout; say which limit it was.
  if (result == CURLE_OPERATION_TIMEDOUT && curl_message.starts_with("Operation too slow")) {
    return {ErrorKind::Timeout, "no data for " +
                                    std::to_string(stall_seconds(failure.stall_timeout)) +
                                    " s (the stall timeout)"};
  }
  return {classify(result),
          (curl_message.empty() ? curl_easy_strerror(result) : std::string(curl_message)) +
              resent_note};
}

std::optional<FetchError> answer_error(long status, bool follows_redirects, bool has_location) {
  if (status >= 400) return http_error(status);
  // These statuses name their target in Location (RFC 9110 section 15.4); 300 and 304 need
  // not. libcurl ends such an answer as if it were the last one.
  const bool must_redirect =
      status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  if (must_redirect && follows_redirects && !has_location) {
    return FetchError{ErrorKind::Protocol,
                      "a " + std::to_string(status) + " redirect without a Location header"};
  }
  return std::nullopt;
}

FetchError http_error(long status) {
  return {ErrorKind::Http, "HTTP status " + std::to_string(status)};
}

ErrorKind classify(CURLcode code) noexcept {
  switch (code) {
    case CURLE_URL_MALFORMAT:
      return ErrorKind::InvalidUrl;
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorKind::UnsupportedScheme;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ErrorKind::Dns;
    case CURLE_COULDNT_CONNECT:
      return ErrorKind::Connect;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::Timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return ErrorKind::Tls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return ErrorKind::Network;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
#if LIBCURL_VERSION_NUM >= 0x080600
    // From 8.6, libcurl's own code for a header line or a header beyond its limits.
    case CURLE_TOO_LARGE:
#endif
      return ErrorKind::Protocol;
    case CURLE_FILESIZE_EXCEEDED:
      return ErrorKind::TooLarge;
    case CURLE_WRITE_ERROR:
      return ErrorKind::Io;
    case CURLE_ABORTED_BY_CALLBACK:
      return ErrorKind::Cancelled;
    default:
      return ErrorKind::Other;
  }
}

}  // namespace sluice::detail
