// The caches every easy handle of a run shares through a libcurl share handle: TLS sessions,
// so that a new connection resumes a session another handle or multi handle got, and DNS
// answers, so that a host is looked up once per run instead of once per shard or per thread.
#pragma once

#include <curl/curl.h>

#include <array>
#include <mutex>

namespace sluice::detail {

// Thread-safe: libcurl takes the lock of a kind of data around every use of it, so handles
// in different threads (the thread engine's workers) may use the share at once.
// Lifetime: must outlive every easy handle attached to it; neither copyable nor movable,
// as libcurl keeps its address for the lock callbacks.
//
// The connection cache is not shared: libcurl does not support sharing it between threads,
// multiplexes HTTP/2 streams only over connections of the same multi handle, and a cache
// common to the event loop's shards would bring back the walk over every connection to a
// host that the shards exist to bound (event_loop_engine.hpp).
class CurlShare {
 public:
  // Throws std::bad_alloc when libcurl cannot allocate the share.
  CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  ~CurlShare();

  // Makes `easy` use the shared caches from its next transfer on; curl_easy_reset keeps this.
  void attach(CURL* easy) const noexcept;

 private:
  static void lock(CURL* easy, curl_lock_data data, curl_lock_access access, void* self);
  static void unlock(CURL* easy, curl_lock_data data, void* self);

  // One per kind of data, as libcurl asks: it may hold one kind's lock while it takes another's.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
  CURLSH* const share_;
};

}  // namespace sluice::detail
