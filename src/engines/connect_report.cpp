// The connect report's one answer per admitted transfer.
#include "engines/connect_report.hpp"

namespace sluice::detail {

void ConnectReport::started(const std::string& host) {
  host_ = &host;
  opened_.reset();
}

void ConnectReport::socket_opened() {
  // A second socket of the same attempt (the next address of the host) keeps the first's
  // start: the connect's time is all of it.
  if (host_ != nullptr && !opened_) opened_ = std::chrono::steady_clock::now();
}

void ConnectReport::request_ready() {
  if (host_ == nullptr) return;
  const std::string& host = *std::exchange(host_, nullptr);
  if (!opened_) {
    admission_->connect_ended(host, ConnectOutcome::Reused, {});
    return;
  }
  admission_->connect_ended(host, ConnectOutcome::Connected,
                            std::chrono::steady_clock::now() - *opened_);
}

void ConnectReport::ended(CURLcode result) {
  if (host_ == nullptr) return;
  const std::string& host = *std::exchange(host_, nullptr);
  const bool connect_failed =
      opened_ && (result == CURLE_COULDNT_CONNECT || result == CURLE_OPERATION_TIMEDOUT);
  admission_->connect_ended(host, connect_failed ? ConnectOutcome::Failed : ConnectOutcome::Reused,
                            {});
}

}  // namespace sluice::detail
