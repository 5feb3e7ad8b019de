// The flags that shape each request and its record, as curl spells them, and the Options
// they set.
#include "request_flags.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "sluice/errors.hpp"

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

// The body --data or --data-binary gives: the text itself, or the bytes of "@FILE".
std::string body_of(const char* flag, const std::string& value, bool keep_newlines) {
  if (!value.starts_with('@')) return value;
  const std::string name = value.substr(1);
  std::ifstream file(name, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (!file.good() && !file.eof()) {
    throw UsageError(std::string(flag) + ": cannot read '" + name + "'");
  }
  if (!file.is_open()) throw UsageError(std::string(flag) + ": cannot open '" + name + "'");
  // curl's --data sends a file as form data, without its line breaks.
  if (!keep_newlines) std::erase_if(bytes, [](char c) { return c == '\r' || c == '\n'; });
  return bytes;
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

  app.add_option("-X,--request", flags.method,
                 "Send every request with METHOD (default GET, or POST with a body)")
      ->type_name("METHOD");
  auto* data = app.add_option("-d,--data", flags.data,
                              "Send DATA as every request's body (POST unless -X); @FILE "
                              "sends the file without its line breaks")
                   ->type_name("DATA");
  app.add_option("--data-binary", flags.data_binary,
                 "Send DATA, or the bytes of @FILE exactly, as every request's body")
      ->type_name("DATA|@FILE")
      ->excludes(data);
  app.add_flag("--retry-all-methods", flags.retry_all_methods,
               "Retry requests of every method, not only GET, HEAD and OPTIONS");
  app.add_flag("-g,--globoff", flags.globoff, "Take {} and [] in URLs literally: no ranges");
  app.add_option("--input-format", flags.input_format,
                 "How @FILE lists and - are read: lines (a URL per line), jsonl (a JSON "
                 "request per line), auto (jsonl for names ending in .jsonl)")
      ->check(CLI::IsMember({"auto", "lines", "jsonl"}))
      ->capture_default_str();
  app.add_option("--hash", flags.hash, "Put the body's digest in each record (field sha256)")
      ->check(CLI::IsMember({"sha256"}));
  app.add_option("--record-header", flags.record_headers,
                 "Put this response header's value in each record's headers (repeatable)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  app.add_flag("--save-errors", flags.save_errors,
               "With -o: also save the bodies of answers with status 400 or more");
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
  options.method = flags.method;
  if (!flags.data.empty()) options.body = body_of("--data", flags.data, false);
  if (!flags.data_binary.empty()) options.body = body_of("--data-binary", flags.data_binary, true);
  options.retry_all_methods = flags.retry_all_methods;
  options.globoff = flags.globoff;
  if (flags.input_format == "lines") options.input_format = InputFormat::Lines;
  if (flags.input_format == "jsonl") options.input_format = InputFormat::Jsonl;
  if (flags.hash == "sha256") options.body_digest = BodyDigest::Sha256;
  options.record_headers = flags.record_headers;
  options.save_errors = flags.save_errors;
}

}  // namespace sluice::cli
