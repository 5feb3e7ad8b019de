// HTTPS for the test server: TLS connections relayed to the plain server on loopback, and the
// self-signed certificate it makes when given none.
#include "server/tls_front.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "sluice/errors.hpp"

namespace sluice::detail {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct FreeKey {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct FreeCertificate {
  void operator()(X509* certificate) const noexcept { X509_free(certificate); }
};
struct FreeBio {
  void operator()(BIO* bio) const noexcept { BIO_free(bio); }
};

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

void add_extension(X509* certificate, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) throw UsageError("--tls: cannot make the certificate's extensions");
  X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
}

std::string read_text(const std::filesystem::path& path, const char* option) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof())
    throw UsageError(std::string(option) + ": cannot read " + path.string());
  if (text.str().empty())
    throw UsageError(std::string(option) + ": " + path.string() + " is empty or unreadable");
  return text.str();
}

// One TLS connection and its plain twin, relaying bytes both ways until either side ends.
class Relay : public std::enable_shared_from_this<Relay> {
 public:
  Relay(tcp::socket client, ssl::context& context, tcp::endpoint backend)
      : client_(std::move(client), context), backend_(client_.get_executor()), endpoint_(backend) {}

  void start() {
    client_.async_handshake(ssl::stream_base::server, [self = shared_from_this()](auto error) {
      if (error) return;  // a client that refused the certificate: nothing to relay
      self->backend_.async_connect(self->endpoint_, [self](auto connect_error) {
        if (connect_error) return self->close();
        self->pump_from_client();
        self->pump_from_backend();
      });
    });
  }

 private:
  void pump_from_client() {
    client_.async_read_some(asio::buffer(up_),
                            [self = shared_from_this()](auto error, std::size_t n) {
                              if (error) return self->close();
                              asio::async_write(self->backend_, asio::buffer(self->up_, n),
                                                [self](auto write_error, std::size_t) {
                                                  if (write_error) return self->close();
                                                  self->pump_from_client();
                                                });
                            });
  }
  void pump_from_backend() {
    backend_.async_read_some(asio::buffer(down_),
                             [self = shared_from_this()](auto error, std::size_t n) {
                               if (error) return self->close();
                               asio::async_write(self->client_, asio::buffer(self->down_, n),
                                                 [self](auto write_error, std::size_t) {
                                                   if (write_error) return self->close();
                                                   self->pump_from_backend();
                                                 });
                             });
  }
  // No TLS close_notify: the plain side's end (a clean close or a fault's reset) reaches the
  // client as the connection's end, which is what the faults mean to show.
  void close() {
    boost::system::error_code ignored;
    client_.lowest_layer().close(ignored);
    backend_.close(ignored);
  }

  ssl::stream<tcp::socket> client_;
  tcp::socket backend_;
  tcp::endpoint endpoint_;
  std::array<char, 16 * 1024> up_{};
  std::array<char, 16 * 1024> down_{};
};

}  // namespace

TlsIdentity self_signed_identity() {
  const std::unique_ptr<EVP_PKEY, FreeKey> key(EVP_EC_gen("P-256"));
  const std::unique_ptr<X509, FreeCertificate> certificate(X509_new());
  if (!key || !certificate) throw UsageError("--tls: OpenSSL cannot make a key");
  X509_set_version(certificate.get(), 2);
  std::array<unsigned char, 8> serial{};
  RAND_bytes(serial.data(), static_cast<int>(serial.size()));
  serial[0] &= 0x7f;  // positive
  BIGNUM* number = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
  BN_free(number);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 7L * 24 * 3600);
  X509_set_pubkey(certificate.get(), key.get());
  X509_NAME* name = X509_get_subject_name(certificate.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("sluice serve"), -1, -1, 0);
  X509_set_issuer_name(certificate.get(), name);
  add_extension(certificate.get(), NID_subject_alt_name, "IP:127.0.0.1,IP:::1,DNS:localhost");
  add_extension(certificate.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(certificate.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  if (X509_sign(certificate.get(), key.get(), EVP_sha256()) == 0) {
    throw UsageError("--tls: OpenSSL cannot sign the certificate");
  }
  const std::unique_ptr<BIO, FreeBio> certificate_pem(BIO_new(BIO_s_mem()));
  const std::unique_ptr<BIO, FreeBio> key_pem(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(certificate_pem.get(), certificate.get());
  PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return {.certificate_pem = bio_text(certificate_pem.get()), .key_pem = bio_text(key_pem.get())};
}

TlsIdentity identity_from_files(const std::filesystem::path& certificate,
                                const std::filesystem::path& key) {
  return {.certificate_pem = read_text(certificate, "--cert"), .key_pem = read_text(key, "--key")};
}

class TlsFrontCore {
 public:
  TlsFrontCore(const TlsIdentity& identity, const ListenEndpoint& listen,
               std::uint16_t backend_port)
      : context_(ssl::context::tls_server),
        acceptor_(io_),
        backend_(asio::ip::make_address("127.0.0.1"), backend_port) {
    boost::system::error_code error;
    context_.use_certificate_chain(asio::buffer(identity.certificate_pem), error);
    if (!error) context_.use_private_key(asio::buffer(identity.key_pem), ssl::context::pem, error);
    if (error) throw UsageError("--cert/--key: " + error.message());
    const tcp::endpoint endpoint(asio::ip::make_address(listen.address, error), listen.port);
    if (error) throw UsageError("--tls: bad address " + listen.address);
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error)
      throw UsageError("--tls: cannot listen on " + listen.address + ": " + error.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsFrontCore() { stop(); }

  std::uint16_t port() const noexcept { return port_; }
  void stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error) return;
      std::make_shared<Relay>(std::move(socket), context_, backend_)->start();
      accept();
    });
  }

  asio::io_context io_{1};
  ssl::context context_;
  tcp::acceptor acceptor_;
  tcp::endpoint backend_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TlsFront::TlsFront(const TlsIdentity& identity, ListenEndpoint listen, std::uint16_t backend_port)
    : core_(std::make_unique<TlsFrontCore>(identity, listen, backend_port)) {}

TlsFront::~TlsFront() = default;

std::uint16_t TlsFront::port() const noexcept { return core_->port(); }

void TlsFront::stop() { core_->stop(); }

}  // namespace sluice::detail
