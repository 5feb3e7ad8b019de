// What a failed transfer's record says went wrong: libcurl's result code as a stable error
// kind, and a message that names the limit or the earlier failure behind it.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "heap_optional.hpp"
#include "sluice/record.hpp"

namespace sluice::detail {

// Maps a libcurl result code to the stable error kind of the records.
ErrorKind classify(CURLcode code) noexcept;

// What libcurl said went wrong during one transfer: its error buffer, and the error it went
// on past to send the transfer's last request again. Not thread-safe: used by the thread that
// runs the transfer. Lifetime: libcurl writes into it, so it stays put (not copyable) and
// outlives the transfers it watches.
class ErrorTrail {
 public:
  ErrorTrail() = default;
  ErrorTrail(const ErrorTrail&) = delete;
  ErrorTrail& operator=(const ErrorTrail&) = delete;

  // Clears the trail and points `easy`'s error buffer and request callback here; again
  // after each curl_easy_reset, which forgets both.
  void watch(CURL* easy) noexcept;
  // Clears the trail for the next transfer of the handle it watches.
  void clear() noexcept;
  // Called before each request libcurl sends for the transfer (CURLOPT_PREREQFUNCTION), with
  // the number of redirects it has followed so far.
  void note_request(long redirects);
  // The buffer libcurl writes its first error message of the transfer into.
  char* buffer() noexcept { return buffer_; }
  // libcurl's message of how the transfer ended; empty when its buffer holds instead an error
  // libcurl went on past, since it keeps only the first.
  std::string_view message() const noexcept { return went_on_ ? "" : buffer_; }
  // The error libcurl went on past to send the last request again (its URL's, after the
  // same number of redirects); empty when none. A failure before a redirect belongs to
  // another request, and is not this one's.
  std::string_view resent_after() const noexcept { return view_or_empty(resent_after_); }
  // Whether libcurl sent a request of the transfer again (after the same number of
  // redirects): a retry on a new connection, or a second round of authentication.
  bool resent() const noexcept { return resent_; }

  // CURLOPT_PREREQFUNCTION with this trail as its data; public so that a transfer's own
  // pre-request callback can call it first.
  static int on_request(void* self, char* remote_ip, char* local_ip, int remote_port,
                        int local_port);

 private:
  char buffer_[CURL_ERROR_SIZE] = {};
  CURL* easy_ = nullptr;  // the watched handle; null in tests that call note_request()
  long redirects_ = 0;    // followed before the last request
  bool went_on_ = false;  // a request was sent after the buffer's error
  bool sent_ = false;     // a request of the transfer was sent
  bool resent_ = false;   // see resent()
  HeapOptional<std::string> resent_after_;  // rarely set: on the heap
};

// What is known of a failed transfer when libcurl reports its result.
struct TransferFailure {
  CURLcode result = CURLE_OK;
  std::string_view curl_message{};  // ErrorTrail::message()
  std::string_view resent_after{};  // ErrorTrail::resent_after()
  std::string_view ended_on{};      // the URL the transfer ended on, after any redirects
  long status = 0;                  // the last answer's status; 0 before any
  bool answer_started = false;      // a byte of an answer had arrived
  std::string_view location{};      // the last answer's Location field; empty when none
  bool too_large = false;           // the body receiver refused data beyond max_body
  std::string_view save_error{};    // why the body receiver could not save data; empty if none
  std::string_view range_error{};   // BodyReceiver::range_error(); empty if none
  std::uint64_t max_body = 0;       // Options::max_body
  std::chrono::milliseconds stall_timeout{0};  // Options::stall_timeout
};

// The error of a transfer whose result is not CURLE_OK.
FetchError describe_failure(const TransferFailure& failure);

// The target of a redirect that was refused before the transfer moved there, so that ended_on
// still names the URL that redirected: by libcurl, for a scheme its URL parser does not know
// at all (data: and ws: in 7.88), or by an engine that follows redirects itself, for any
// scheme but http and https; nullopt for any other failure.
std::optional<std::string_view> unparsed_redirect_target(const TransferFailure& failure);

// The error of a transfer that got a whole answer with `status`: a status >= 400, or a
// redirect it was to follow but that names no target; nullopt when the answer is usable.
std::optional<FetchError> answer_error(long status, bool follows_redirects, bool has_location);

// The error of a transfer that got an answer with `status` >= 400.
FetchError http_error(long status);

}  // namespace sluice::detail
