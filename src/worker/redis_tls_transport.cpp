// rediss:// through OpenSSL on a socket of our own: hiredis 0.14 has no TLS, but its command
// formatter and reply reader are public API, so the Redis protocol is still hiredis'.
#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "worker/redis_transport.hpp"

namespace sluice::detail {
namespace {

struct SslContextFree {
  void operator()(SSL_CTX* context) const noexcept { SSL_CTX_free(context); }
};
struct SslFree {
  void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
};
struct ReaderFree {
  void operator()(redisReader* reader) const noexcept { redisReaderFree(reader); }
};
using SslContextPtr = std::unique_ptr<SSL_CTX, SslContextFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

class Socket {
 public:
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

// The oldest error OpenSSL queued on this thread, else `fallback`.
std::string openssl_error(const std::string& fallback) {
  const unsigned long code = ERR_get_error();
  if (code == 0) return fallback;
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

void set_timeouts(int fd, std::chrono::seconds timeout) {
  const timeval value{.tv_sec = static_cast<time_t>(timeout.count()), .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value);
}

// A connect that gives up after `timeout` (per address), left blocking for OpenSSL.
std::expected<Socket, std::string> tcp_connect(const std::string& host, std::uint16_t port,
                                               std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int failed = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
      failed != 0) {
    return std::unexpected(std::string(::gai_strerror(failed)));
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  std::string last_error = "no address";
  for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
    Socket socket(::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                           address->ai_protocol));
    if (socket.fd() < 0) {
      last_error = std::strerror(errno);
      continue;
    }
    int error = 0;
    if (::connect(socket.fd(), address->ai_addr, address->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        pollfd waiting{.fd = socket.fd(), .events = POLLOUT, .revents = 0};
        int ready = 0;
        do {
          ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
        } while (ready < 0 && errno == EINTR);
        socklen_t length = sizeof error;
        if (ready == 0) {
          error = ETIMEDOUT;
        } else if (ready < 0 ||
                   ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
          error = errno;
        }
      }
    }
    if (error != 0) {
      last_error = std::strerror(error);
      continue;
    }
    ::fcntl(socket.fd(), F_SETFL, ::fcntl(socket.fd(), F_GETFL) & ~O_NONBLOCK);
    // As hiredis does: a pipeline's small writes go out at once.
    const int on = 1;
    ::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return socket;
  }
  return std::unexpected(last_error);
}

bool is_ip_address(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

// Why SSL_connect, SSL_read or SSL_write returned `result`; called before anything else
// touches errno.
std::string tls_io_error(const SSL* ssl, int result) {
  const int saved_errno = errno;
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_ZERO_RETURN:
      return "the server closed the connection";
    // The socket is blocking: "again" only comes from SO_RCVTIMEO or SO_SNDTIMEO.
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return "timed out";
    case SSL_ERROR_SYSCALL:
      return saved_errno != 0 ? std::strerror(saved_errno) : "the server closed the connection";
    default:
      return openssl_error("TLS error");
  }
}

RedisFailure refused(std::string message) {
  return RedisFailure{.kind = RedisFailure::Kind::Refused, .message = std::move(message)};
}

std::expected<SslContextPtr, RedisFailure> tls_context(const RedisTls& tls) {
  SslContextPtr context(SSL_CTX_new(TLS_client_method()));
  if (!context) return std::unexpected(refused(openssl_error("cannot set up TLS")));
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  // A server that closes without close_notify (a restart) is a lost connection like any other.
  SSL_CTX_set_options(context.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (tls.verify) {
    SSL_CTX_set_verify(context.get(), SSL_VERIFY_PEER, nullptr);
    const bool loaded = tls.ca_file.empty() ? SSL_CTX_set_default_verify_paths(context.get()) == 1
                                            : SSL_CTX_load_verify_locations(
                                                  context.get(), tls.ca_file.c_str(), nullptr) == 1;
    if (!loaded) {
      return std::unexpected(refused("cannot read the CA certificates" +
                                     (tls.ca_file.empty() ? "" : " in " + tls.ca_file) + ": " +
                                     openssl_error("no certificate")));
    }
  }
  if (!tls.cert_file.empty()) {
    const std::string& key_file = tls.key_file.empty() ? tls.cert_file : tls.key_file;
    if (SSL_CTX_use_certificate_chain_file(context.get(), tls.cert_file.c_str()) != 1) {
      return std::unexpected(refused("cannot read the client certificate " + tls.cert_file + ": " +
                                     openssl_error("no certificate")));
    }
    if (SSL_CTX_use_PrivateKey_file(context.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(context.get()) != 1) {
      return std::unexpected(
          refused("cannot use the client key " + key_file + ": " + openssl_error("no key")));
    }
  }
  return context;
}

class TlsTransport final : public RedisTransport {
 public:
  TlsTransport(Socket socket, SslContextPtr context, SslPtr ssl)
      : socket_(std::move(socket)),
        context_(std::move(context)),
        ssl_(std::move(ssl)),
        reader_(redisReaderCreate()) {}

  bool has_reader() const noexcept { return reader_ != nullptr; }

  std::expected<void, std::string> send(const std::vector<RedisCommand>& commands) override {
    std::string bytes;
    for (const auto& command : commands) {
      RedisArgv parts(command);  // hiredis 0.14 takes a non-const argv array
      char* formatted = nullptr;
      const int length = redisFormatCommandArgv(&formatted, parts.count(), parts.argv.data(),
                                                parts.lengths.data());
      if (length < 0) return std::unexpected("out of memory");
      bytes.append(formatted, static_cast<std::size_t>(length));
      redisFreeCommand(formatted);
    }
    for (std::size_t sent = 0; sent < bytes.size();) {
      ERR_clear_error();
      errno = 0;  // SSL_ERROR_SYSCALL reads it
      const int chunk = static_cast<int>(std::min<std::size_t>(bytes.size() - sent, INT_MAX));
      const int written = SSL_write(ssl_.get(), bytes.data() + sent, chunk);
      if (written <= 0) return std::unexpected(io_error(written));
      sent += static_cast<std::size_t>(written);
    }
    return {};
  }

  std::expected<RedisReply, std::string> receive() override {
    for (;;) {
      void* raw = nullptr;
      if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
        return std::unexpected(std::string("protocol error: ") + reader_->errstr);
      }
      if (raw != nullptr) {
        RedisReply reply = to_reply(*static_cast<redisReply*>(raw));
        freeReplyObject(raw);
        return reply;
      }
      char chunk[16 * 1024];
      ERR_clear_error();
      errno = 0;  // SSL_ERROR_SYSCALL reads it
      const int got = SSL_read(ssl_.get(), chunk, sizeof chunk);
      if (got <= 0) return std::unexpected(io_error(got));
      if (redisReaderFeed(reader_.get(), chunk, static_cast<std::size_t>(got)) != REDIS_OK) {
        return std::unexpected(std::string("protocol error: ") + reader_->errstr);
      }
    }
  }

 private:
  std::string io_error(int result) const { return tls_io_error(ssl_.get(), result); }

  Socket socket_;
  SslContextPtr context_;
  SslPtr ssl_;  // after socket_ and context_: freed before them
  std::unique_ptr<redisReader, ReaderFree> reader_;
};

}  // namespace

std::expected<std::unique_ptr<RedisTransport>, RedisFailure> open_tls_transport(
    const RedisUrl& url) {
  const RedisTls tls = url.tls.value_or(RedisTls{});
  auto context = tls_context(tls);
  if (!context) return std::unexpected(context.error());
  auto socket = tcp_connect(url.host, url.port, kRedisConnectTimeout);
  if (!socket) return std::unexpected(RedisFailure{.message = socket.error()});
  ERR_clear_error();
  SslPtr ssl(SSL_new(context->get()));
  if (!ssl || SSL_set_fd(ssl.get(), socket->fd()) != 1) {
    return std::unexpected(RedisFailure{.message = openssl_error("cannot set up TLS")});
  }
  const bool ip = is_ip_address(url.host);
  // SNI takes a name, never an address (RFC 6066). SSL_set_tlsext_host_name() is this call
  // behind a C cast that -Wold-style-cast refuses.
  if (!ip) {
    SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(url.host.c_str()));
  }
  if (tls.verify) {
    const int named =
        ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), url.host.c_str())
           : SSL_set1_host(ssl.get(), url.host.c_str());
    if (named != 1)
      return std::unexpected(refused("cannot check the certificate against the host"));
  }
  set_timeouts(socket->fd(), kRedisConnectTimeout);
  errno = 0;
  if (const int shaken = SSL_connect(ssl.get()); shaken != 1) {
    if (const long verified = SSL_get_verify_result(ssl.get()); verified != X509_V_OK) {
      return std::unexpected(refused(std::string("the server's TLS certificate is not trusted: ") +
                                     X509_verify_cert_error_string(verified)));
    }
    return std::unexpected(
        RedisFailure{.message = "TLS handshake failed: " + tls_io_error(ssl.get(), shaken)});
  }
  set_timeouts(socket->fd(), kRedisCommandTimeout);
  auto transport =
      std::make_unique<TlsTransport>(std::move(*socket), std::move(*context), std::move(ssl));
  if (!transport->has_reader()) {
    return std::unexpected(RedisFailure{.message = "cannot allocate a reply reader"});
  }
  return transport;
}

}  // namespace sluice::detail
