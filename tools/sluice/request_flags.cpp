// The flags that shape each request, as curl spells them, and the Options they set.
#include "request_flags.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>

namespace sluice::cli {
namespace {

std::optional<std::filesystem::path> path_or_none(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return std::filesystem::path(text);
}

// The first of `names` set to a non-empty value in the environment.
std::optional<std::filesystem::path> from_environment(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): before any thread
    if (value != nullptr && *value != '\0') return std::filesystem::path(value);
  }
  return std::nullopt;
}

}  // namespace

void add_request_flags(CLI::App& app, RequestFlags& flags) {
  app.add_option("-H,--header", flags.headers,
                 "Send 'Name: value' with every request; 'Name:' removes a default header "
                 "(repeatable)")
      ->allow_extra_args(false);
  app.add_option("-u,--user", flags.user,
                 "HTTP Basic credentials USER[:PASSWORD], sent to the URL's host only")
      ->type_name("USER[:PASS]");
  app.add_option("--oauth2-bearer", flags.bearer_token,
                 "Send 'Authorization: Bearer TOKEN' to the URL's host")
      ->type_name("TOKEN");
  app.add_flag("--compressed", flags.compressed,
               "Ask for gzip, deflate, br or zstd and keep the decoded body (records show "
               "wire_bytes too)");
  app.add_option("--cacert", flags.ca_file,
                 "Trust the CA certificates in this PEM file (default: $CURL_CA_BUNDLE, "
                 "$SSL_CERT_FILE, the system's)")
      ->type_name("FILE");
  app.add_option("--capath", flags.ca_path,
                 "Trust the CA certificates in this hashed directory (default: $SSL_CERT_DIR)")
      ->type_name("DIR");
  app.add_option("--cert", flags.client_cert, "TLS client certificate (PEM)")->type_name("FILE");
  app.add_option("--key", flags.client_key, "Private key of --cert (PEM)")->type_name("FILE");
  app.add_option("-x,--proxy", flags.proxy,
                 "Send every request through this proxy (default: $http_proxy, $HTTPS_PROXY, "
                 "$ALL_PROXY)")
      ->type_name("URL");
  app.add_option("--noproxy", flags.no_proxy,
                 "Hosts reached without the proxy, comma-separated, or * (default: $NO_PROXY)")
      ->type_name("LIST");
  app.add_option("-b,--cookie", flags.cookie,
                 "Send cookies 'a=b; c=d', or those of a Netscape cookie FILE")
      ->type_name("DATA|FILE");
  auto* http1_1 = app.add_flag("--http1.1", flags.http1_1, "Speak HTTP/1.1 only");
  auto* http2 = app.add_flag("--http2", flags.http2,
                             "HTTP/2 over TLS (the default) and an h2c upgrade offer over http");
  auto* prior = app.add_flag("--http2-prior-knowledge", flags.http2_prior_knowledge,
                             "Speak HTTP/2 from the first byte, also over http (h2c)");
  http1_1->excludes(http2)->excludes(prior);
  http2->excludes(prior);
}

void apply_request_flags(const RequestFlags& flags, Options& options) {
  options.headers = flags.headers;
  options.user = flags.user;
  options.bearer_token = flags.bearer_token;
  options.compressed = flags.compressed;
  options.ca_file = path_or_none(flags.ca_file);
  if (!options.ca_file) options.ca_file = from_environment({"CURL_CA_BUNDLE", "SSL_CERT_FILE"});
  options.ca_path = path_or_none(flags.ca_path);
  if (!options.ca_path) options.ca_path = from_environment({"SSL_CERT_DIR"});
  options.client_cert = path_or_none(flags.client_cert);
  options.client_key = path_or_none(flags.client_key);
  options.proxy = flags.proxy;
  options.no_proxy = flags.no_proxy;
  if (flags.cookie.find('=') != std::string::npos) {
    options.cookie = flags.cookie;
  } else {
    options.cookie_file = path_or_none(flags.cookie);
  }
  if (flags.http1_1) options.http_version = HttpVersion::Http1_1;
  if (flags.http2) options.http_version = HttpVersion::Http2;
  if (flags.http2_prior_knowledge) options.http_version = HttpVersion::Http2PriorKnowledge;
}

}  // namespace sluice::cli
