// The connect report's one answer per admitted transfer.
#include "engines/connect_report.hpp"

#include <utility>

#include "engines/socket_rtt.hpp"

namespace sluice::detail {

void ConnectReport::started(const std::string& host) {
  host_ = &host;
  socket_ = CURL_SOCKET_BAD;
}

void ConnectReport::socket_opened(curl_socket_t socket) {
  if (host_ != nullptr) socket_ = socket;
}

void ConnectReport::request_ready() {
  if (host_ == nullptr) return;
  const std::string& host = *std::exchange(host_, nullptr);
  ConnectOutcome outcome = ConnectOutcome::Reused;
  if (socket_ != CURL_SOCKET_BAD) {
    // The kernel's word, not a time: a client too busy to look at its sockets for a while
    // must not take its own slowness for a lost SYN.
    outcome =
        socket_retransmitted(socket_) ? ConnectOutcome::Retransmitted : ConnectOutcome::Connected;
  }
  admission_->connect_ended(host, outcome);
}

void ConnectReport::ended(CURLcode result) {
  if (host_ == nullptr) return;
  const std::string& host = *std::exchange(host_, nullptr);
  const bool connect_failed = socket_ != CURL_SOCKET_BAD && (result == CURLE_COULDNT_CONNECT ||
                                                             result == CURLE_OPERATION_TIMEDOUT);
  admission_->connect_ended(host, connect_failed ? ConnectOutcome::Failed : ConnectOutcome::Reused);
}

}  // namespace sluice::detail
