// A libcurl client for tests that talk to a server directly.
#include "support/http_client.hpp"

#include <memory>

namespace sluice::test {

HttpClient::HttpClient(std::size_t body_limit)
    : body_limit_(body_limit), handle_(curl_easy_init()) {
  curl_easy_setopt(handle(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle(), CURLOPT_TIMEOUT_MS, 20'000L);
  curl_easy_setopt(handle(), CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(handle(), CURLOPT_WRITEDATA, this);
}

std::size_t HttpClient::keep_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto& client = *static_cast<HttpClient*>(self);
  if (client.body_.size() >= client.body_limit_) return 0;
  client.body_.append(data, size * count);
  return size * count;
}

Reply HttpClient::fetch(const std::string& url) {
  prepare(url);
  return collect(curl_easy_perform(handle()));
}

void HttpClient::prepare(const std::string& url) {
  body_.clear();
  curl_easy_setopt(handle(), CURLOPT_URL, url.c_str());
}

Reply HttpClient::collect(CURLcode code) {
  Reply reply;
  reply.code = code;
  reply.body = std::move(body_);
  body_.clear();
  curl_easy_getinfo(handle(), CURLINFO_RESPONSE_CODE, &reply.status);
  const char* type = nullptr;
  if (curl_easy_getinfo(handle(), CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type != nullptr) {
    reply.content_type = type;
  }
  curl_easy_getinfo(handle(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &reply.content_length);
  curl_easy_getinfo(handle(), CURLINFO_HEADER_SIZE, &reply.header_bytes);
  curl_easy_getinfo(handle(), CURLINFO_RETRY_AFTER, &reply.retry_after);
  curl_off_t micros = 0;
  curl_easy_getinfo(handle(), CURLINFO_TOTAL_TIME_T, &micros);
  reply.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::microseconds{micros});
  curl_easy_getinfo(handle(), CURLINFO_NUM_CONNECTS, &reply.new_connections);
  return reply;
}

Reply fetch(const std::string& url) { return HttpClient().fetch(url); }

std::vector<Reply> fetch_all(const std::vector<std::string>& urls, std::size_t body_limit,
                             const std::function<void(CURL*)>& configure) {
  std::vector<std::unique_ptr<HttpClient>> clients;
  std::vector<CURL*> handles;
  for (const auto& url : urls) {
    clients.push_back(std::make_unique<HttpClient>(body_limit));
    clients.back()->prepare(url);
    if (configure) configure(clients.back()->handle());
    handles.push_back(clients.back()->handle());
  }
  const auto codes = perform_together(handles);
  std::vector<Reply> replies;
  for (std::size_t i = 0; i < urls.size(); ++i) replies.push_back(clients[i]->collect(codes[i]));
  return replies;
}

}  // namespace sluice::test
