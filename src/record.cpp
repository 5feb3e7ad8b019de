// Names of the error kinds, as they appear in the results.
#include "sluice/record.hpp"

namespace sluice {

std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::InvalidUrl:
      return "invalid_url";
    case ErrorKind::UnsupportedScheme:
      return "unsupported_scheme";
    case ErrorKind::Dns:
      return "dns";
    case ErrorKind::Connect:
      return "connect";
    case ErrorKind::Tls:
      return "tls";
    case ErrorKind::Timeout:
      return "timeout";
    case ErrorKind::Http:
      return "http";
    case ErrorKind::Network:
      return "network";
    case ErrorKind::Protocol:
      return "protocol";
    case ErrorKind::TooLarge:
      return "too_large";
    case ErrorKind::Io:
      return "io";
    case ErrorKind::Cancelled:
      return "cancelled";
    case ErrorKind::Other:
      return "other";
  }
  return "other";
}

}  // namespace sluice
