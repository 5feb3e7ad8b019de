// HTTPS for the test server (`sluice serve --tls`): a TLS listener that relays each
// connection's decrypted bytes to the plain server on loopback, so every route, fault and
// counter works the same over TLS. A fault that resets the plain connection closes the TLS one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "server/server.hpp"

namespace sluice::detail {

// A certificate and its private key, both PEM.
struct TlsIdentity {
  std::string certificate_pem;
  std::string key_pem;
};

// A self-signed certificate (P-256, a week long, CA:TRUE so that it is its own trust anchor
// for --cacert) for 127.0.0.1, ::1 and localhost, made with OpenSSL now.
TlsIdentity self_signed_identity();

// The PEM files given; throws UsageError naming the file that cannot be read.
TlsIdentity identity_from_files(const std::filesystem::path& certificate,
                                const std::filesystem::path& key);

class TlsFrontCore;

// Thread-safe: port() and stop() from any thread but the front's own. Lifetime: the
// constructor binds `listen` (port 0: any free one) and starts one I/O thread; stop() or the
// destructor closes the listener, drops the connections and joins the thread. Throws UsageError
// when the identity is unusable or the address cannot be bound.
class TlsFront {
 public:
  TlsFront(const TlsIdentity& identity, ListenEndpoint listen, std::uint16_t backend_port);
  TlsFront(const TlsFront&) = delete;
  TlsFront& operator=(const TlsFront&) = delete;
  ~TlsFront();

  std::uint16_t port() const noexcept;
  void stop();  // idempotent

 private:
  std::unique_ptr<TlsFrontCore> core_;
};

}  // namespace sluice::detail
