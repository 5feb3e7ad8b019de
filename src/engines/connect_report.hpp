// Tells admission how a transfer's wait for its connection ended, for the connect window
// (Admission::connect_ended): libcurl says only afterwards whether a transfer opened a
// connection, through its open-socket and pre-request callbacks.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>
#include <string>

#include "admission/admission.hpp"

namespace sluice::detail {

// Not thread-safe: one per transfer, called from the thread that drives it. Lifetime: as
// the transfer's; `admission` must outlive it. Each started() is followed by exactly one
// report to admission: at the transfer's request (request_ready) or at its end (ended).
class ConnectReport {
 public:
  explicit ConnectReport(Admission& admission) : admission_(&admission) {}

  // A transfer to `host` was admitted, whose connect admission now counts.
  void started(const std::string& host);
  // The transfer's open-socket callback: a new connection is opening.
  void socket_opened();
  // The transfer's pre-request callback: its connection is open (or was reused).
  void request_ready();
  // The transfer ended with `result`, maybe before its request went out.
  void ended(CURLcode result);

 private:
  Admission* admission_;
  const std::string* host_ = nullptr;  // the transfer's, while its connect is counted
  std::optional<std::chrono::steady_clock::time_point> opened_;
};

}  // namespace sluice::detail
