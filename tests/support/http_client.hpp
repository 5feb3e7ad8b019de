// A libcurl client for tests that talk to a server directly: one handle that keeps its body
// and reads back what libcurl saw of the transfer, and many transfers at once.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "support/curl_together.hpp"

namespace sluice::test {

// What a transfer ended with, as libcurl reports it.
struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::string content_type;
  curl_off_t content_length = -1;
  long header_bytes = 0;
  curl_off_t retry_after = -1;
  std::chrono::milliseconds elapsed{0};  // libcurl's total time of the transfer
  long new_connections = 0;
};

inline constexpr std::size_t kDefaultBodyLimit = std::size_t{16} << 20U;

// One easy handle with a 20 s deadline that keeps the body up to `body_limit` bytes; past it
// the write callback fails the transfer, which is how a client gives up on an endless body.
// Options set on handle() stay for every fetch; so does the connection, when it can.
class HttpClient {
 public:
  explicit HttpClient(std::size_t body_limit = kDefaultBodyLimit);
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  CURL* handle() const { return handle_.get(); }

  Reply fetch(const std::string& url);

  // For transfers driven elsewhere (perform_together): set the URL, then collect the result.
  void prepare(const std::string& url);
  Reply collect(CURLcode code);

 private:
  static std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* self);

  std::string body_;
  std::size_t body_limit_;
  CurlEasy handle_;
};

// One transfer on a connection of its own, closed before this returns.
Reply fetch(const std::string& url);

// All `urls` at once, one connection each; `configure` may set options on each handle first.
std::vector<Reply> fetch_all(const std::vector<std::string>& urls,
                             std::size_t body_limit = kDefaultBodyLimit,
                             const std::function<void(CURL*)>& configure = {});

}  // namespace sluice::test
