// One DNS cache for the thread engine's easy handles: without it each worker's handle keeps
// its own, and a list over many hosts is looked up (a resolver thread each) about once per URL.
#pragma once

#include <curl/curl.h>

#include <mutex>

namespace sluice::detail {

// A libcurl share handle holding the DNS cache, locked with a mutex of its own.
// Thread-safety: set() and libcurl's use of the cache may come from any thread at once.
// Lifetime: must outlive every easy handle it was set on (curl_share_cleanup refuses while
// one is attached). Throws std::runtime_error if libcurl cannot make it.
class DnsShare {
 public:
  DnsShare();
  DnsShare(const DnsShare&) = delete;
  DnsShare& operator=(const DnsShare&) = delete;
  ~DnsShare();

  // Points `easy` at the shared cache; again after each curl_easy_reset, which drops it.
  void set(CURL* easy) const noexcept;

 private:
  static void lock(CURL*, curl_lock_data, curl_lock_access, void* self);
  static void unlock(CURL*, curl_lock_data, void* self);

  CURLSH* share_;
  // libcurl holds it while it reads or changes the cache; only CURL_LOCK_DATA_DNS and
  // libcurl's own share bookkeeping (CURL_LOCK_DATA_SHARE) take it.
  mutable std::mutex mutex_;
};

}  // namespace sluice::detail
