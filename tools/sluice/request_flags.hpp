// The flags that shape each request (method, body, headers, credentials, compression, TLS,
// proxy, cookies, HTTP version, how lists are read) and what its record holds, as curl
// spells them where curl has them, and the Options they set.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "sluice/options.hpp"

namespace sluice::cli {

// What the request flags hold between parsing and apply_request_flags().
struct RequestFlags {
  std::vector<std::string> headers;
  std::string user;
  std::string bearer_token;
  bool compressed = false;
  std::string ca_file;
  std::string ca_path;
  std::string client_cert;
  std::string client_key;
  std::string proxy;
  std::string no_proxy;
  std::string cookie;
  bool http1_1 = false;
  bool http2 = false;
  bool http2_prior_knowledge = false;
  std::string method;
  std::string data;
  std::string data_binary;
  bool retry_all_methods = false;
  bool globoff = false;
  std::string input_format = "auto";
  std::string hash;
  std::vector<std::string> record_headers;
  bool save_errors = false;
};

// Adds the request flags to `app`, which stores their values in `flags`.
void add_request_flags(CLI::App& app, RequestFlags& flags);

// Sets `options` from parsed `flags`. As curl, --cookie is a cookie string when it holds '=',
// else a cookie file; without --cacert, the CA file is $CURL_CA_BUNDLE or else $SSL_CERT_FILE,
// and without --capath the CA directory is $SSL_CERT_DIR (an empty variable counts as unset).
// --data and --data-binary read "@FILE" now (--data without its CR and LF bytes, as curl);
// a file that cannot be read is a UsageError.
void apply_request_flags(const RequestFlags& flags, Options& options);

}  // namespace sluice::cli
