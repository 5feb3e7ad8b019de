// What a Record's failure means for another attempt: the transient / final rule.
#include "record_rules.hpp"

namespace sluice::detail {

bool is_transient(const FetchError& error, std::optional<int> status) noexcept {
  switch (error.kind) {
    case ErrorKind::Connect:
    case ErrorKind::Timeout:
    case ErrorKind::Network:
      return true;
    case ErrorKind::Http:
      return status == 429 || status == 502 || status == 503 || status == 504;
    default:
      return false;
  }
}

bool is_final(const Record& record, bool retry_failed) noexcept {
  if (record.ok) return true;
  // Not ok yet no error is not something sluice writes; fetching again is the safe reading.
  if (!record.error) return false;
  if (record.error->kind == ErrorKind::Cancelled) return false;
  if (is_transient(*record.error, record.status)) return false;
  return !retry_failed;
}

}  // namespace sluice::detail
