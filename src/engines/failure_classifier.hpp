// What a failed transfer's record says went wrong: libcurl's result code as a stable error
// kind, and a message that names the limit or the earlier failure behind it.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/record.hpp"

namespace sluice::detail {

// Maps a libcurl result code to the stable error kind of the records.
ErrorKind classify(CURLcode code) noexcept;

// What libcurl said went wrong during one transfer: its error buffer, and the error it went
// on past before sending a request again. Not thread-safe: used by the thread that runs the
// transfer. Lifetime: libcurl writes into it, so it stays put (not copyable) and outlives
// the transfers it watches.
class ErrorTrail {
 public:
  ErrorTrail() = default;
  ErrorTrail(const ErrorTrail&) = delete;
  ErrorTrail& operator=(const ErrorTrail&) = delete;

  // Clears the trail and points `easy`'s error buffer and request callback here; again
  // after each curl_easy_reset, which forgets both.
  void watch(CURL* easy) noexcept;
  // Called before each request libcurl sends for the transfer (CURLOPT_PREREQFUNCTION).
  void note_request();
  // The buffer libcurl writes its first error message of the transfer into.
  char* buffer() noexcept { return buffer_; }
  std::string_view message() const noexcept { return buffer_; }
  // The error libcurl went on past before a request; empty when none.
  const std::string& resent_after() const noexcept { return resent_after_; }

 private:
  static int on_request(void* self, char* remote_ip, char* local_ip, int remote_port,
                        int local_port);

  char buffer_[CURL_ERROR_SIZE] = {};
  std::string resent_after_;
};

// What is known of a failed transfer when libcurl reports its result.
struct TransferFailure {
  CURLcode result = CURLE_OK;
  std::string_view curl_message{};  // ErrorTrail::message()
  std::string_view resent_after{};  // ErrorTrail::resent_after()
  std::string_view ended_on{};      // the URL the transfer ended on, after any redirects
  bool too_large = false;           // the body receiver refused data beyond max_body
  std::string_view save_error{};    // why the body receiver could not save data; empty if none
  std::uint64_t max_body = 0;       // Options::max_body
  std::chrono::milliseconds stall_timeout{0};  // Options::stall_timeout
};

// The error of a transfer whose result is not CURLE_OK.
FetchError describe_failure(const TransferFailure& failure);

// The error of a transfer that got an answer with `status` >= 400.
FetchError http_error(long status);

}  // namespace sluice::detail
