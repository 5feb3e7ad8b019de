// What a failed transfer's record says went wrong: libcurl's result code as a stable error
// kind, and a message that names the limit or the earlier failure behind it.
#include "engines/failure_classifier.hpp"

#include "engines/easy_options.hpp"

namespace sluice::detail {

void ErrorTrail::watch(CURL* easy) noexcept {
  buffer_[0] = '\0';
  resent_after_.clear();
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, buffer_);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &ErrorTrail::on_request);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, this);
}

void ErrorTrail::note_request() {
  // A request after an error: libcurl went on past that error. Mostly a reused connection
  // died before the answer and the request goes out again on a new one (RFC 9112 9.3.1
  // allows that for idempotent requests); or a host's first address refused the connection.
  if (buffer_[0] != '\0' && resent_after_.empty()) resent_after_ = buffer_;
}

int ErrorTrail::on_request(void* self, char*, char*, int, int) {
  static_cast<ErrorTrail*>(self)->note_request();
  return CURL_PREREQFUNC_OK;
}

FetchError describe_failure(const TransferFailure& failure) {
  const CURLcode result = failure.result;
  if (failure.too_large || result == CURLE_FILESIZE_EXCEEDED) {
    return {ErrorKind::TooLarge, "the body is larger than the maximum body size (" +
                                     std::to_string(failure.max_body) + " bytes)"};
  }
  if (!failure.save_error.empty()) return {ErrorKind::Io, std::string(failure.save_error)};
  // libcurl keeps the first error message of a transfer, so after a re-sent request the
  // message tells of the dead connection while `result` tells of the new one.
  const std::string_view curl_message = failure.resent_after.empty() ? failure.curl_message : "";
  const std::string resent_note =
      failure.resent_after.empty()
          ? ""
          : " (after an earlier failure in this transfer: " + std::string(failure.resent_after) +
                ")";
  // libcurl 7.88 answers a malformed status line with the code it also uses for a refused
  // scheme; the URL the transfer ended on tells the two apart.
  if (result == CURLE_UNSUPPORTED_PROTOCOL) {
    const bool ended_on_http =
        failure.ended_on.starts_with("http://") || failure.ended_on.starts_with("https://");
    if (!ended_on_http) {
      return {ErrorKind::UnsupportedScheme, curl_message.empty()
                                                ? "a redirect to a scheme other than http and https"
                                                : std::string(curl_message)};
    }
    return {ErrorKind::Protocol, (curl_message.empty() ? "the answer's status line is not HTTP"
                                                       : std::string(curl_message)) +
                                     resent_note};
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
