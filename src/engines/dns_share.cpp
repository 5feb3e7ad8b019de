// The shared DNS cache: a share handle and its lock callbacks.
#include "engines/dns_share.hpp"

#include <stdexcept>

namespace sluice::detail {

DnsShare::DnsShare() : share_(curl_share_init()) {
  if (share_ == nullptr) throw std::runtime_error("curl_share_init failed");
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &DnsShare::lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &DnsShare::unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
}

DnsShare::~DnsShare() { curl_share_cleanup(share_); }

void DnsShare::set(CURL* easy) const noexcept { curl_easy_setopt(easy, CURLOPT_SHARE, share_); }

void DnsShare::lock(CURL*, curl_lock_data, curl_lock_access, void* self) {
  static_cast<DnsShare*>(self)->mutex_.lock();
}

void DnsShare::unlock(CURL*, curl_lock_data, void* self) {
  static_cast<DnsShare*>(self)->mutex_.unlock();
}

}  // namespace sluice::detail
