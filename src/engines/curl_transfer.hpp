// One libcurl easy handle, reused URL after URL: ties its options, its body receiver, its
// error trail and its record together, and is the handle's CURLOPT_PRIVATE.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "engines/body_receiver.hpp"
#include "engines/easy_options.hpp"
#include "engines/failure_classifier.hpp"
#include "engines/record_builder.hpp"
#include "engines/run_resources.hpp"
#include "heap_optional.hpp"
#include "input/input_item.hpp"
#include "limit/rate_limit_headers.hpp"
#include "sluice/options.hpp"
#include "sluice/record.hpp"

namespace sluice::detail {

// Callbacks an engine adds to every transfer of a handle; null ones are left unset. Their
// data pointers must outlive the handle: connections keep their close callback after
// curl_easy_reset.
struct TransferHooks {
  curl_xferinfo_callback progress = nullptr;  // also turns CURLOPT_NOPROGRESS off
  void* progress_data = nullptr;
  curl_opensocket_callback open_socket = nullptr;
  curl_closesocket_callback close_socket = nullptr;
  void* socket_data = nullptr;  // for both socket callbacks
  // Called when the transfer's connection is open or reused and its request is about to go
  // out (CURLOPT_PREREQFUNCTION), for the connect window (engines/connect_report.hpp).
  void (*request_ready)(void* data) = nullptr;
  void* request_data = nullptr;
};

// Not thread-safe: owned by one engine thread. Lifetime: `options` and `resources` must
// outlive it. Reusing the handle (even curl_easy_reset keeps its connection and DNS caches)
// saves an allocation per URL and, in the thread engine, keeps each worker's connections
// alive. The handle's CURLOPT_PRIVATE is always this transfer (see from_handle); an engine
// keeps its own bookkeeping in owner().
// With RedirectFollower::Engine a redirect ends the transfer: libcurl would follow it within
// the transfer, to a host whose turn (Options::per_host) nobody asked for. The engine follows it
// instead as the same attempt's next item (follow()), admitted for the target's own host.
class CurlTransfer {
 public:
  CurlTransfer(const Options& options, const RunResources& resources, BandwidthGate gate = {},
               TransferHooks hooks = {}, RedirectFollower redirects = RedirectFollower::Libcurl);
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;
  ~CurlTransfer();

  // The transfer whose handle `easy` is, for handles a multi handle reports.
  static CurlTransfer& from_handle(CURL* easy);
  // An engine's tag for this transfer (e.g. its slot); null until set. Kept across prepare().
  void set_owner(void* owner) noexcept { owner_ = owner; }
  void* owner() const noexcept { return owner_; }

  // Sets the handle up for `item`. Returns its record instead when it cannot even start:
  // the input item carries an error (a bad URL), or the body file cannot be created (then
  // see short_of_descriptors()).
  std::optional<Record> prepare(InputItem&& item);
  CURL* handle() const noexcept { return easy_; }
  // The host key of the item last prepared (InputItem::host), kept after its record.
  const std::string& host() const noexcept { return host_; }
  // The method the transfer last prepared sends (see effective_method), kept after its record.
  const std::string& method() const noexcept { return shape_.method; }
  // Builds the record of this attempt once libcurl reports `result` for it.
  Record finish(CURLcode result);
  // After finish(), with RedirectFollower::Engine: the absolute URL of the redirect the
  // answer asks to follow, when the attempt may follow one more (Options::max_redirects;
  // past it, finish() gave a protocol error). The record then only tells of this hop.
  const HeapOptional<std::string>& redirect_target() const noexcept { return redirect_to_; }
  // Turns the record of a hop (see redirect_target) into the attempt's item for the
  // target: same attempt, its fetch_url and host the target's.
  InputItem follow(Record&& hop);
  // What the answer's Retry-After header asked for (either form), after finish().
  std::optional<std::chrono::seconds> retry_after() const;
  // The rate limit the last answer's RateLimit or X-RateLimit-* headers announce (see
  // parse_rate_limit_headers), after finish(); `wall_now` reads epoch-second resets.
  std::optional<RateLimitInfo> rate_limit(std::chrono::system_clock::time_point wall_now) const;
  // Whether the record prepare() or finish() last gave failed for want of a free descriptor
  // (EMFILE, ENFILE) for the body file, a socket or a name lookup, or of a thread for the
  // lookup: nothing the URL or its server did, and it passes once other transfers end. Such
  // a record does not count the attempt, so that it costs none of the URL's Options::retries.
  bool short_of_descriptors() const noexcept { return short_of_descriptors_; }
  // Turns the failed record of this attempt back into an item for the next attempt.
  InputItem requeue(Record&& failed);
  // The record of a transfer abandoned before it finished.
  Record cancel();
  // The record of a prepared transfer that could not be started.
  Record fail(ErrorKind kind, std::string message);

 private:
  // Resets the handle and sets what every transfer of the run shares: the run's options and
  // the callbacks.
  void configure_handle();
  // Whether the attempt that ended with `result` and `status` left the handle as
  // configure_handle() and a plain request did: no method options, range, retry or
  // authentication state that the next transfer would inherit.
  bool leaves_handle_clean(CURLcode result, long status) const;
  // Sets shape_ (and the header lists it points to) for item_.
  void shape_request();
  // The URL the transfer ended on: the last redirect's target, or the item's own.
  std::string_view ended_on() const;
  // Whether a byte of an answer arrived in this transfer.
  bool answer_started() const;
  // CURLOPT_OPENSOCKETFUNCTION: opens the socket (through the hooks' open_socket if given)
  // and notes a shortage of descriptors, which libcurl reports only as "Couldn't connect".
  static curl_socket_t open_socket(void* self, curlsocktype purpose, curl_sockaddr* address);
  // CURLOPT_PREREQFUNCTION when the hooks have request_ready: the error trail's, then it.
  static int on_request(void* self, char* remote_ip, char* local_ip, int remote_port,
                        int local_port);
  // CURLOPT_HEADERFUNCTION: notes whether the latest answer has a field whose name begins
  // with "RateLimit" or "X-RateLimit", so that rate_limit() looks up only answers that do.
  static std::size_t on_header_line(char* line, std::size_t size, std::size_t count, void* self);
  // Whether an attempt that ended with `result` failed for want of a descriptor or thread.
  bool starved(CURLcode result) const;

  const Options& options_;
  const RunResources& resources_;
  const TransferHooks hooks_;
  const RedirectFollower redirects_;
  const std::uint64_t number_;  // names the temporary of a saved body
  CURL* const easy_;
  BodyReceiver receiver_;
  ErrorTrail errors_;
  InputItem item_;
  std::string host_;
  RequestShape shape_;  // of item_; its lists point into own_headers_
  // A request's own headers merged with the run's, and their variant for another host.
  std::optional<CurlList> own_headers_;
  std::optional<CurlList> own_headers_elsewhere_;
  HeapOptional<std::string> redirect_to_;  // see redirect_target(); rarely set
  bool rate_limit_fields_ = false;         // see on_header_line()
  void* owner_ = nullptr;
  // The handle holds the run's options and nothing an earlier request set that the next must
  // not inherit, so the next transfer sets only what its request changes. A reset per
  // transfer would have libcurl free, copy and parse every option again.
  bool handle_clean_ = false;
  bool short_of_descriptors_ = false;  // of the attempt last prepared or finished
  bool socket_refused_ = false;        // a socket of this attempt met EMFILE or ENFILE
};

}  // namespace sluice::detail
