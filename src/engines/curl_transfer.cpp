// One libcurl easy handle, reused URL after URL: ties its options, its body receiver, its
// error trail and its record together, and is the handle's CURLOPT_PRIVATE.
#include "engines/curl_transfer.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <new>
#include <string>
#include <string_view>
#include <utility>

#include "engines/answer_headers.hpp"
#include "engines/easy_options.hpp"
#include "engines/request_method.hpp"
#include "fd_limit.hpp"
#include "input/url_check.hpp"
#include "limit/host_key.hpp"
#include "output/body_path.hpp"
#include "request_headers.hpp"

namespace sluice::detail {
namespace {

// Numbers the transfers of the process from 0. A saved body's temporary is named by its
// transfer's number, not by its URL's index: watch mode's jobs each number their URLs from
// 0, and two jobs may save the same URL at once.
std::uint64_t next_transfer_number() {
  static std::atomic<std::uint64_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The most body bytes a transfer takes: Options::max_body, and Options::body_in_memory when
// bodies are kept in memory (0: no cap).
std::uint64_t body_cap(const Options& options) {
  if (options.body_in_memory == 0) return options.max_body;
  if (options.max_body == 0) return options.body_in_memory;
  return std::min(options.max_body, options.body_in_memory);
}

// Whether the run sends credentials that a redirect hop to another host must not get.
bool has_credentials(const Options& options) {
  return !options.user.empty() || !options.bearer_token.empty() || !options.cookie.empty();
}

CURL* new_easy_handle() {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) throw std::bad_alloc();
  return easy;
}

}  // namespace

CurlTransfer::CurlTransfer(const Options& options, const RunResources& resources,
                           BandwidthGate gate, TransferHooks hooks, RedirectFollower redirects)
    : options_(options),
      resources_(resources),
      hooks_(hooks),
      redirects_(redirects),
      number_(next_transfer_number()),
      easy_(new_easy_handle()),
      receiver_(body_cap(options), std::move(gate), easy_) {}

CurlTransfer::~CurlTransfer() { curl_easy_cleanup(easy_); }

CurlTransfer& CurlTransfer::from_handle(CURL* easy) {
  CurlTransfer* transfer = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &transfer);
  return *transfer;
}

std::optional<Record> CurlTransfer::prepare(InputItem&& item) {
  host_ = item.host;
  short_of_descriptors_ = false;
  socket_refused_ = false;
  redirect_to_.reset();
  rate_limit_fields_ = false;
  if (item.error) {
    FetchError error = std::move(*item.error);
    return unfetched_record(std::move(item), std::move(error));
  }
  item_ = std::move(item);
  receiver_.drop();
  std::optional<BodyFile> body;
  if (resources_.output_dir) {
    // Named by the URL as given, on every redirect hop: the file is the input's.
    auto path = body_path(item_.url, item_.request->out, options_.layout);
    if (!path) return unfetched_record(std::move(item_), {ErrorKind::InvalidUrl, path.error()});
    if (options_.skip_existing && !item_.redirected) {
      if (auto existing = existing_body(*resources_.output_dir, *path, item_.request->sha256)) {
        return skipped_record(std::move(item_), existing->string());
      }
    }
    auto created =
        BodyFile::create(*resources_.output_dir, item_.url, number_,
                         {.path = std::move(*path), .resumable = options_.continue_partial});
    if (!created) {
      short_of_descriptors_ = tells_of_descriptor_shortage(created.error());
      return unfetched_record(std::move(item_), {ErrorKind::Io, created.error()});
    }
    body.emplace(std::move(*created));
  }

  const bool origin_host =
      !item_.redirected || host_key(item_.fetch_url).value_or("") == item_.redirected->start_host;
  // Credentials an earlier request set stay on the handle: only a reset takes them away.
  if (!origin_host && has_credentials(options_)) handle_clean_ = false;
  if (handle_clean_) {
    errors_.clear();
  } else {
    configure_handle();
  }
  shape_request();
  set_request_options(easy_, item_.fetch_url, options_, resources_, shape_, origin_host);
  handle_clean_ = shape_.plain();
  if (body && body->resume_offset() > 0) {
    // Not CURLOPT_RESUME_FROM: libcurl then fails an answer that ignores the range, which
    // here means starting over.
    const std::string range = std::to_string(body->resume_offset()) + '-';
    curl_easy_setopt(easy_, CURLOPT_RANGE, range.c_str());
    handle_clean_ = false;
  }
  receiver_.start(std::move(body), options_.body_digest == BodyDigest::Sha256,
                  options_.body_in_memory > 0);
  return std::nullopt;
}

void CurlTransfer::configure_handle() {
  curl_easy_reset(easy_);
  set_run_options(easy_, options_, receiver_.gate(), resources_, redirects_);
  curl_easy_setopt(easy_, CURLOPT_PRIVATE, this);
  receiver_.attach();
  errors_.watch(easy_);
  if (hooks_.request_ready != nullptr) {
    curl_easy_setopt(easy_, CURLOPT_PREREQFUNCTION, &CurlTransfer::on_request);
    curl_easy_setopt(easy_, CURLOPT_PREREQDATA, this);
  }
  if (hooks_.progress != nullptr) {
    curl_easy_setopt(easy_, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy_, CURLOPT_XFERINFOFUNCTION, hooks_.progress);
    curl_easy_setopt(easy_, CURLOPT_XFERINFODATA, hooks_.progress_data);
  }
  curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &CurlTransfer::on_header_line);
  curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy_, CURLOPT_OPENSOCKETFUNCTION, &CurlTransfer::open_socket);
  curl_easy_setopt(easy_, CURLOPT_OPENSOCKETDATA, this);
  if (hooks_.close_socket != nullptr) {
    curl_easy_setopt(easy_, CURLOPT_CLOSESOCKETFUNCTION, hooks_.close_socket);
    curl_easy_setopt(easy_, CURLOPT_CLOSESOCKETDATA, hooks_.socket_data);
  }
}

bool CurlTransfer::leaves_handle_clean(CURLcode result, long status) const {
  if (result != CURLE_OK || status == 401 || status == 407 || errors_.resent()) return false;
  // An authentication offer changes what libcurl picks for the handle's later requests.
  long offered = 0;
  curl_easy_getinfo(easy_, CURLINFO_HTTPAUTH_AVAIL, &offered);
  if (offered != 0) return false;
  curl_easy_getinfo(easy_, CURLINFO_PROXYAUTH_AVAIL, &offered);
  return offered == 0;
}

void CurlTransfer::shape_request() {
  shape_ = RequestShape{.method = effective_method(item_, options_),
                        .body = effective_body(item_, options_)};
  own_headers_.reset();
  own_headers_elsewhere_.reset();
  if (!item_.request->headers.empty()) {
    const auto merged = merged_headers(options_.headers, item_.request->headers);
    own_headers_.emplace(merged);
    own_headers_elsewhere_.emplace(headers_without_credentials(merged));
    shape_.headers = &*own_headers_;
    shape_.headers_elsewhere = &*own_headers_elsewhere_;
  }
}

curl_socket_t CurlTransfer::open_socket(void* self, curlsocktype purpose, curl_sockaddr* address) {
  auto& transfer = *static_cast<CurlTransfer*>(self);
  const auto& hooks = transfer.hooks_;
  const curl_socket_t socket =
      hooks.open_socket != nullptr
          ? hooks.open_socket(hooks.socket_data, purpose, address)
          : ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (socket == CURL_SOCKET_BAD && is_descriptor_shortage(errno)) transfer.socket_refused_ = true;
  if (socket == CURL_SOCKET_BAD) return socket;
  transfer.receiver_.socket_opened(socket);
  if (transfer.receiver_.gate().link != nullptr) transfer.receiver_.gate().link->add(socket);
  return socket;
}

int CurlTransfer::on_request(void* self, char* remote_ip, char* local_ip, int remote_port,
                             int local_port) {
  auto& transfer = *static_cast<CurlTransfer*>(self);
  const int answer =
      ErrorTrail::on_request(&transfer.errors_, remote_ip, local_ip, remote_port, local_port);
  transfer.hooks_.request_ready(transfer.hooks_.request_data);
  return answer;
}

std::size_t CurlTransfer::on_header_line(char* line, std::size_t size, std::size_t count,
                                         void* self) {
  auto& transfer = *static_cast<CurlTransfer*>(self);
  const std::string_view text(line, size * count);
  const auto begins_with = [&text](std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      const char c =
          text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
      if (c != prefix[i]) return false;
    }
    return true;
  };
  // A status line starts the next answer (a 1xx's, a redirect's libcurl follows, the one
  // after a proxy's CONNECT): rate_limit() reads the last answer's fields only.
  if (text.starts_with("HTTP/")) {
    transfer.rate_limit_fields_ = false;
  } else if (begins_with("ratelimit") || begins_with("x-ratelimit")) {
    transfer.rate_limit_fields_ = true;
  }
  return size * count;
}

bool CurlTransfer::starved(CURLcode result) const {
  if (result == CURLE_COULDNT_CONNECT) return socket_refused_;
  // libcurl 7.88 says only "Could not resolve host" when getaddrinfo could not open what it
  // needs, so the process's own state at the failure must tell; the resolver's socket pair
  // or thread failing has words of its own.
  if (result == CURLE_COULDNT_RESOLVE_HOST) {
    return errors_.message().starts_with("getaddrinfo() thread failed to start") ||
           out_of_descriptors_now();
  }
  return false;
}

Record CurlTransfer::finish(CURLcode result) {
  receiver_.end();
  short_of_descriptors_ = starved(result);
  Record record = attempt_record(item_, receiver_.bytes());
  // Not counted against Options::retries: the URL and its server had no part in it.
  if (short_of_descriptors_) record.attempts = item_.attempts;
  const RedirectTrail* trail = item_.redirected.get();
  const long status =
      read_answer(easy_, record, trail != nullptr ? trail->hops : 0, options_.record_headers);
  handle_clean_ = handle_clean_ && leaves_handle_clean(result, status);
  if (options_.compressed && status != 0) {
    // libcurl counts the body's bytes as read from the connection, before it decodes them.
    curl_off_t wire = 0;
    curl_easy_getinfo(easy_, CURLINFO_SIZE_DOWNLOAD_T, &wire);
    record.wire_bytes = static_cast<std::uint64_t>(wire);
  }
  if (trail != nullptr) {
    // The attempt's times are its hops' together, as libcurl counts a chain it follows.
    record.elapsed_ms += trail->elapsed_ms;
    if (record.status) record.ttfb_ms += trail->ttfb_ms;
  }

  // A redirect this transfer refuses to follow, in words of its own: the whole answer came,
  // so an error libcurl went on past before it has no part in the failure.
  std::string refused_message;
  std::string refused_target;
  if (result == CURLE_OK && redirects_ == RedirectFollower::Engine && options_.max_redirects > 0) {
    // Set only for an answer libcurl would have followed: a 3xx with a Location.
    char* target = nullptr;
    curl_easy_getinfo(easy_, CURLINFO_REDIRECT_URL, &target);
    if (target != nullptr) {
      const TransferFailure refusal{.result = CURLE_UNSUPPORTED_PROTOCOL,
                                    .ended_on = ended_on(),
                                    .status = status,
                                    .location = target};
      if (unparsed_redirect_target(refusal)) {
        // libcurl follows only to http and https (CURLOPT_REDIR_PROTOCOLS_STR): the same
        // refusal, with the target as final_url, and no transfer to it.
        result = CURLE_UNSUPPORTED_PROTOCOL;
        refused_target = target;
      } else if (trail == nullptr || trail->hops < options_.max_redirects) {
        redirect_to_ = std::string(target);
        record.ok = true;
        receiver_.drop();  // a redirect's body is not the answer, as libcurl ignores it too
        return record;
      } else {
        // libcurl's own error and words for the same case.
        result = CURLE_TOO_MANY_REDIRECTS;
        refused_message =
            "Maximum (" + std::to_string(options_.max_redirects) + ") redirects followed";
      }
    }
  }

  if (result != CURLE_OK) {
    const bool refused = !refused_target.empty() || !refused_message.empty();
    // Only a refused redirect needs it, and the search goes through every answer.
    const std::string location = !refused_target.empty() ? refused_target
                                 : result == CURLE_UNSUPPORTED_PROTOCOL
                                     ? latest_redirect_location(easy_).value_or("")
                                     : "";
    const TransferFailure failure{
        .result = result,
        .curl_message = refused ? std::string_view(refused_message) : errors_.message(),
        .resent_after = refused ? std::string_view() : std::string_view(errors_.resent_after()),
        .ended_on = ended_on(),
        .status = status,
        .answer_started = answer_started(),
        .location = location,
        .too_large = receiver_.too_large(),
        .save_error = receiver_.save_error(),
        .range_error = receiver_.range_error(),
        .max_body = body_cap(options_),
        .stall_timeout = options_.stall_timeout};
    record.error = describe_failure(failure);
    if (const auto target = unparsed_redirect_target(failure)) {
      record.final_url = redact_userinfo(*target);
    }
  } else {
    // Only a 3xx needs its Location, and the lookup walks the answer's fields.
    const bool redirect_status = status >= 300 && status < 400;
    record.error = answer_error(status, options_.max_redirects > 0,
                                redirect_status && redirect_location(easy_).has_value());
  }
  record.ok = !record.error.has_value();
  // A digest of part of a body would match no file anyone has.
  if (result == CURLE_OK) record.sha256 = receiver_.take_digest();

  // The ".part" holds more than the whole (or the body changed): the next attempt starts over.
  if (receiver_.saving() && status == 416) receiver_.discard();
  // Not with --continue: an error body would take the place of the part that the next attempt
  // resumes.
  const bool keep_error_body =
      options_.save_errors && !options_.continue_partial && result == CURLE_OK && status >= 400;
  if (receiver_.saving() && (record.ok || keep_error_body)) {
    auto saved = receiver_.commit();
    if (saved) {
      record.saved_to = saved->string();
    } else if (record.ok) {
      // Only a success turns into an io failure: an error body (--save-errors) that could
      // not be saved leaves its record's http error as it was.
      record.ok = false;
      record.error = FetchError{ErrorKind::Io, saved.error()};
    }
  }
  if (record.ok && options_.body_in_memory > 0) record.body = receiver_.take_kept();
  receiver_.drop();  // an uncommitted body file removes itself
  return record;
}

bool CurlTransfer::answer_started() const {
  // libcurl stamps the time of the first byte it reads, whether or not a whole answer follows.
  curl_off_t first_byte_us = 0;
  curl_easy_getinfo(easy_, CURLINFO_STARTTRANSFER_TIME_T, &first_byte_us);
  return first_byte_us > 0;
}

std::string_view CurlTransfer::ended_on() const {
  char* effective = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &effective);
  return effective == nullptr ? std::string_view(item_.fetch_url) : std::string_view(effective);
}

std::optional<std::chrono::seconds> CurlTransfer::retry_after() const {
  return detail::retry_after(easy_);
}

std::optional<RateLimitInfo> CurlTransfer::rate_limit(
    std::chrono::system_clock::time_point wall_now) const {
  // An answer with none of the fields announces nothing: four curl_easy_header walks over
  // its fields (about 1,900 instructions) would say so too.
  if (!rate_limit_fields_) return std::nullopt;
  return announced_rate_limit(easy_, wall_now);
}

InputItem CurlTransfer::requeue(Record&& failed) {
  InputItem item = std::move(item_);
  item.url = std::move(failed.url);
  item.source = std::move(failed.source);
  item.attempts = failed.attempts;
  item.last_error = std::move(failed.error);
  item.last_status = failed.status;
  if (item.redirected) {
    // The next attempt starts where this one did, as it would with libcurl following.
    item.fetch_url = std::move(item.redirected->start_url);
    item.host = std::move(item.redirected->start_host);
    item.redirected.reset();
  }
  return item;
}

InputItem CurlTransfer::follow(Record&& hop) {
  InputItem item = std::move(item_);
  item.url = std::move(hop.url);
  item.source = std::move(hop.source);
  if (!item.redirected) {
    item.redirected = std::make_unique<RedirectTrail>(
        RedirectTrail{.start_url = item.fetch_url, .start_host = item.host});
  }
  RedirectTrail& trail = *item.redirected;
  ++trail.hops;
  if (hop.status) {
    if (auto changed = method_after_redirect(shape_.method, *hop.status))
      trail.method = std::move(changed);
  }
  trail.elapsed_ms = hop.elapsed_ms;  // finish() added the earlier hops' already
  trail.ttfb_ms = hop.ttfb_ms;
  item.fetch_url = std::move(*redirect_to_);
  redirect_to_.reset();
  item.host = host_key(item.fetch_url).value_or("");
  return item;
}

Record CurlTransfer::cancel() {
  handle_clean_ = false;
  receiver_.end();
  receiver_.drop();  // an uncommitted body file removes itself
  // The abandoned transfer was an attempt.
  Record record = attempt_record(item_, receiver_.bytes());
  // What had arrived when the run stopped: the status, the bytes and the time it had taken.
  read_answer(easy_, record, item_.redirected ? item_.redirected->hops : 0);
  record.error = FetchError{ErrorKind::Cancelled, "the run was stopped before this transfer ended"};
  return record;
}

Record CurlTransfer::fail(ErrorKind kind, std::string message) {
  handle_clean_ = false;
  receiver_.end();
  receiver_.drop();
  return unfetched_record(std::move(item_), {kind, std::move(message)});
}

}  // namespace sluice::detail
