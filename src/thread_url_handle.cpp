// A libcurl URL handle per thread.
#include "thread_url_handle.hpp"

#include <memory>

namespace sluice::detail {

namespace {

struct UrlHandleDeleter {
  void operator()(CURLU* handle) const noexcept { curl_url_cleanup(handle); }
};

}  // namespace

CURLU* thread_url_handle() {
  thread_local const std::unique_ptr<CURLU, UrlHandleDeleter> handle(curl_url());
  return handle.get();
}

}  // namespace sluice::detail
