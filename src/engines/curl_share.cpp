// The caches every easy handle of a run shares through a libcurl share handle: TLS sessions
// and DNS answers.
#include "engines/curl_share.hpp"

#include <new>

namespace sluice::detail {
namespace {

CURLSH* new_share_handle() {
  CURLSH* share = curl_share_init();
  if (share == nullptr) throw std::bad_alloc();
  return share;
}

}  // namespace

CurlShare::CurlShare() : share_(new_share_handle()) {
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
}

CurlShare::~CurlShare() { curl_share_cleanup(share_); }

void CurlShare::attach(CURL* easy) const noexcept {
  // A refusal (a share that is being cleaned up) only leaves the handle its own caches.
  curl_easy_setopt(easy, CURLOPT_SHARE, share_);
}

void CurlShare::lock(CURL* /*easy*/, curl_lock_data data, curl_lock_access /*access*/, void* self) {
  static_cast<CurlShare*>(self)->mutexes_[static_cast<std::size_t>(data)].lock();
}

void CurlShare::unlock(CURL* /*easy*/, curl_lock_data data, void* self) {
  static_cast<CurlShare*>(self)->mutexes_[static_cast<std::size_t>(data)].unlock();
}

}  // namespace sluice::detail
