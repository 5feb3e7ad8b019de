// Tells admission how a transfer's wait for its connection ended, for the connect window
// (Admission::connect_ended): libcurl says only afterwards whether a transfer opened a
// connection, through its open-socket and pre-request callbacks.
#pragma once

#include <curl/curl.h>

#include <string>

#include "admission/admission.hpp"

namespace sluice::detail {

// Not thread-safe: one per transfer, called from the thread that drives it. Lifetime: as
// the transfer's; `admission` must outlive it. Each started() is followed by exactly one
// report to admission: at the transfer's request (request_ready) or at its end (ended).
class ConnectReport {
 public:
  explicit ConnectReport(Admission& admission) : admission_(&admission) {}

  // A transfer to `host` was admitted, whose connect admission now counts. `host` must stay
  // as it is until the report (it is the transfer's own).
  void started(const std::string& host);
  // The transfer's open-socket callback opened `socket` for a new connection.
  void socket_opened(curl_socket_t socket);
  // The transfer's pre-request callback: its connection is open (or was reused).
  void request_ready();
  // The transfer ended with `result`, maybe before its request went out.
  void ended(CURLcode result);

 private:
  Admission* admission_;
  const std::string* host_ = nullptr;  // the transfer's, while its connect is counted
  // The last socket the transfer opened (the one that connected, as libcurl tries a host's
  // addresses in turn); CURL_SOCKET_BAD while it opened none.
  curl_socket_t socket_ = CURL_SOCKET_BAD;
};

}  // namespace sluice::detail
