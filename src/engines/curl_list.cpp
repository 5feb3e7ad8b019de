// A list of strings as libcurl takes it (curl_slist), built once and owned.
#include "engines/curl_list.hpp"

#include <new>
#include <utility>

namespace sluice::detail {

CurlList::CurlList(const std::vector<std::string>& entries) {
  for (const auto& entry : entries) {
    curl_slist* longer = curl_slist_append(list_, entry.c_str());
    if (longer == nullptr) {
      curl_slist_free_all(list_);
      throw std::bad_alloc();
    }
    list_ = longer;
  }
}

CurlList::CurlList(CurlList&& other) noexcept : list_(std::exchange(other.list_, nullptr)) {}

CurlList& CurlList::operator=(CurlList&& other) noexcept {
  if (this != &other) {
    curl_slist_free_all(list_);
    list_ = std::exchange(other.list_, nullptr);
  }
  return *this;
}

CurlList::~CurlList() { curl_slist_free_all(list_); }

}  // namespace sluice::detail
