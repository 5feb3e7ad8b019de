// A list of strings as libcurl takes it (curl_slist), built once and owned: the run's
// --resolve entries and request headers are each one.
#pragma once

#include <curl/curl.h>

#include <string>
#include <vector>

namespace sluice::detail {

// Thread-safe once built: libcurl only reads the list, so every handle of a run may share it.
// Movable, not copyable. Lifetime: must outlive every transfer it was set on.
class CurlList {
 public:
  // Throws std::bad_alloc.
  explicit CurlList(const std::vector<std::string>& entries = {});
  CurlList(CurlList&& other) noexcept;
  CurlList& operator=(CurlList&& other) noexcept;
  CurlList(const CurlList&) = delete;
  CurlList& operator=(const CurlList&) = delete;
  ~CurlList();

  // For the curl_slist options (CURLOPT_RESOLVE, CURLOPT_HTTPHEADER); null when empty.
  curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

}  // namespace sluice::detail
