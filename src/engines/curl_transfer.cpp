// One libcurl easy handle, reused URL after URL: option set-up and result classification.
#include "engines/curl_transfer.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <new>
#include <span>
#include <utility>

namespace sluice::detail {
namespace {

// Numbers the transfers of the process from 0. A saved body's temporary is named by its
// transfer's number, not by its URL's index: watch mode's jobs each number their URLs from
// 0, and two jobs may save the same URL at once.
std::uint64_t next_transfer_number() {
  static std::atomic<std::uint64_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

double micros_to_ms(curl_off_t us) { return static_cast<double>(us) / 1000.0; }

// libcurl checks its low-speed limit once a second, so the stall timeout is whole seconds.
long stall_seconds(std::chrono::milliseconds stall) {
  return static_cast<long>(std::chrono::ceil<std::chrono::seconds>(stall).count());
}

std::string stopped_message(const InputItem& item) {
  std::string message = "the run was stopped before this URL was fetched";
  if (item.last_error)
    message +=
        "; attempt " + std::to_string(item.attempts) + " had failed: " + item.last_error->message;
  return message;
}

// CURLOPT_SOCKOPTFUNCTION: runs before connect, when the buffer still shapes the window.
int set_receive_buffer(void* bytes, curl_socket_t socket, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) {
    // A refusal only leaves the kernel's default; the pacer still holds the cap.
    ::setsockopt(socket, SOL_SOCKET, SO_RCVBUF, bytes, sizeof(int));
  }
  return CURL_SOCKOPT_OK;
}

// A field of the transfer's last answer (after any redirects), its repeats joined with ", ".
std::optional<std::string> last_answer_field(CURL* easy, std::string_view name) {
  const std::string field(name);  // libcurl wants a terminated string
  curl_header* header = nullptr;
  // Request -1 is the last one; CURLH_HEADER leaves out trailers, 1xx and CONNECT answers.
  if (curl_easy_header(easy, field.c_str(), 0, CURLH_HEADER, -1, &header) != CURLHE_OK) {
    return std::nullopt;
  }
  std::string value = header->value;
  const std::size_t amount = header->amount;
  for (std::size_t i = 1; i < amount; ++i) {
    if (curl_easy_header(easy, field.c_str(), i, CURLH_HEADER, -1, &header) != CURLHE_OK) break;
    value += ", ";
    value += header->value;
  }
  return value;
}

}  // namespace

CurlTransfer::CurlTransfer(const Options& options, BandwidthGate gate)
    : options_(options),
      gate_(std::move(gate)),
      number_(next_transfer_number()),
      easy_(curl_easy_init()) {
  if (easy_ == nullptr) throw std::bad_alloc();
}

CurlTransfer::~CurlTransfer() {
  set_waiting(false);
  curl_easy_cleanup(easy_);
}

std::optional<Record> CurlTransfer::prepare(InputItem&& item) {
  host_ = item.host;
  if (item.error) {
    FetchError error = std::move(*item.error);
    return unfetched_record(std::move(item), std::move(error));
  }
  item_ = std::move(item);
  bytes_ = 0;
  body_.reset();
  save_error_.clear();
  too_large_ = false;
  if (gate_.bytes != nullptr && gate_.on_pause) pacer_.emplace(*gate_.bytes);
  error_buffer_[0] = '\0';
  resent_after_.clear();
  if (options_.output_dir) {
    auto body = BodyFile::create(*options_.output_dir, item_.url, number_);
    if (!body) return unfetched_record(std::move(item_), {ErrorKind::Io, body.error()});
    body_.emplace(std::move(*body));
  }

  curl_easy_reset(easy_);
  curl_easy_setopt(easy_, CURLOPT_URL, item_.fetch_url.c_str());
  curl_easy_setopt(easy_, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &CurlTransfer::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(easy_, CURLOPT_PREREQFUNCTION, &CurlTransfer::on_request);
  curl_easy_setopt(easy_, CURLOPT_PREREQDATA, this);
  // Signals would interrupt other threads' transfers; timeouts work without them.
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, options_.max_redirects > 0 ? 1L : 0L);
  curl_easy_setopt(easy_, CURLOPT_MAXREDIRS, options_.max_redirects);
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  if (options_.stall_timeout.count() > 0) {
    // "Slower than 1 byte/s for D seconds": libcurl's speed is a whole number of bytes
    // per second, so a trickle of a byte every few seconds also counts as a stall.
    curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy_, CURLOPT_LOW_SPEED_TIME, stall_seconds(options_.stall_timeout));
  }
  if (options_.max_body > 0) {
    // Refuses at once an answer whose Content-Length is too large; on_body cuts off the rest.
    curl_easy_setopt(easy_, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body));
  }
  if (gate_.receive_buffer) {
    curl_easy_setopt(easy_, CURLOPT_SOCKOPTFUNCTION, &set_receive_buffer);
    curl_easy_setopt(easy_, CURLOPT_SOCKOPTDATA, &*gate_.receive_buffer);
  }
  if (gate_.bytes != nullptr && gate_.bytes->burst() < CURL_MAX_WRITE_SIZE) {
    // A chunk larger than the bucket's burst would always borrow: keep chunks within it.
    curl_easy_setopt(easy_, CURLOPT_BUFFERSIZE,
                     std::max(1024L, static_cast<long>(gate_.bytes->burst())));
  }
  curl_easy_setopt(easy_, CURLOPT_USERAGENT, options_.user_agent.c_str());
  if (options_.insecure) {
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  return std::nullopt;
}

std::size_t CurlTransfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto& transfer = *static_cast<CurlTransfer*>(self);
  const std::size_t length = size * count;
  const std::uint64_t limit = transfer.options_.max_body;
  if (limit > 0 && transfer.bytes_ + length > limit) {
    transfer.too_large_ = true;
    return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
  }
  if (transfer.gate_.bytes != nullptr) {
    if (const auto refused = transfer.pace(length)) return *refused;
  }
  transfer.bytes_ += length;
  if (transfer.body_) {
    auto written = transfer.body_->write(std::span<const char>(data, length));
    if (!written) {
      transfer.save_error_ = written.error();
      return 0;  // makes libcurl end the transfer with CURLE_WRITE_ERROR
    }
  }
  return length;
}

// [article:pace]
std::optional<std::size_t> CurlTransfer::pace(std::size_t length) {
  if (pacer_) {
    const auto until = pacer_->pause_until(length, std::chrono::steady_clock::now());
    // A paused transfer waits until its resume hands the chunk here again.
    set_waiting(until.has_value());
    if (until) {
      gate_.on_pause(easy_, *until);
      return CURL_WRITEFUNC_PAUSE;  // libcurl keeps the chunk and hands it again on resume
    }
    return std::nullopt;
  }
  // Counted for the whole call: one that finds its tokens returns at once, too soon to be
  // sampled.
  set_waiting(true);
  const bool paid = gate_.bytes->take_blocking(static_cast<double>(length), gate_.stop);
  set_waiting(false);
  // A refusal ends the transfer with CURLE_WRITE_ERROR; the run's stop says why.
  if (!paid) return 0;
  return std::nullopt;
}
// [/article:pace]

void CurlTransfer::set_waiting(bool waiting) noexcept {
  if (gate_.waiting == nullptr || waiting == waiting_) return;
  waiting_ = waiting;
  if (waiting) {
    gate_.waiting->fetch_add(1, std::memory_order_relaxed);
  } else {
    gate_.waiting->fetch_sub(1, std::memory_order_relaxed);
  }
}

Record CurlTransfer::base_record() {
  Record record;
  record.index = item_.index;
  record.url = std::move(item_.url);
  record.source = std::move(item_.source);
  record.bytes = bytes_;
  return record;
}

long CurlTransfer::read_answer(Record& record) const {
  long status = 0;
  curl_off_t total_us = 0;
  curl_off_t ttfb_us = 0;
  long redirects = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(easy_, CURLINFO_TOTAL_TIME_T, &total_us);
  curl_easy_getinfo(easy_, CURLINFO_STARTTRANSFER_TIME_T, &ttfb_us);
  curl_easy_getinfo(easy_, CURLINFO_REDIRECT_COUNT, &redirects);
  record.elapsed_ms = micros_to_ms(total_us);
  // libcurl also stamps the first byte's time on a connection that closed without an answer.
  record.ttfb_ms = status != 0 ? micros_to_ms(ttfb_us) : 0;
  if (status != 0) record.status = static_cast<int>(status);
  if (redirects > 0) {
    char* effective = nullptr;
    curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective != nullptr) record.final_url = effective;
  }
  return status;
}

Record CurlTransfer::finish(CURLcode result) {
  set_waiting(false);  // a transfer may end while paused, e.g. by a timeout
  Record record = base_record();
  record.attempts = item_.attempts + 1;
  const long status = read_answer(record);

  if (result != CURLE_OK) {
    record.error = describe_failure(result);
  } else if (status >= 400) {
    record.error = FetchError{ErrorKind::Http, "HTTP status " + std::to_string(status)};
  }
  record.ok = !record.error.has_value();

  if (body_) {
    if (record.ok) {
      auto saved = body_->commit();
      if (saved) {
        record.saved_to = saved->string();
      } else {
        record.ok = false;
        record.error = FetchError{ErrorKind::Io, saved.error()};
      }
    }
    body_.reset();  // an uncommitted body file removes itself
  }
  return record;
}

int CurlTransfer::on_request(void* self, char*, char*, int, int) {
  auto& transfer = *static_cast<CurlTransfer*>(self);
  // A request after an error: libcurl went on past that error. Mostly a reused connection
  // died before the answer and the request goes out again on a new one (RFC 9112 9.3.1
  // allows that for idempotent requests); or a host's first address refused the connection.
  if (transfer.error_buffer_[0] != '\0' && transfer.resent_after_.empty()) {
    transfer.resent_after_ = transfer.error_buffer_;
  }
  return CURL_PREREQFUNC_OK;
}

bool CurlTransfer::ended_on_http() const {
  char* effective = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_EFFECTIVE_URL, &effective);
  const std::string_view url =
      effective == nullptr ? std::string_view(item_.fetch_url) : std::string_view(effective);
  return url.starts_with("http://") || url.starts_with("https://");
}

FetchError CurlTransfer::describe_failure(CURLcode result) const {
  if (too_large_ || result == CURLE_FILESIZE_EXCEEDED) {
    return {ErrorKind::TooLarge, "the body is larger than the maximum body size (" +
                                     std::to_string(options_.max_body) + " bytes)"};
  }
  if (!save_error_.empty()) return {ErrorKind::Io, save_error_};
  // libcurl keeps the first error message of a transfer, so after a re-sent request the
  // message tells of the dead connection while `result` tells of the new one.
  const std::string_view curl_message = resent_after_.empty() ? error_buffer_ : "";
  const std::string resent_note =
      resent_after_.empty() ? ""
                            : " (after an earlier failure in this transfer: " + resent_after_ + ")";
  // libcurl 7.88 answers a malformed status line with the code it also uses for a refused
  // scheme; the URL the transfer ended on tells the two apart.
  if (result == CURLE_UNSUPPORTED_PROTOCOL) {
    if (!ended_on_http()) {
      return {ErrorKind::UnsupportedScheme, curl_message.empty()
                                                ? "a redirect to a scheme other than http and https"
                                                : std::string(curl_message)};
    }
    return {ErrorKind::Protocol, (curl_message.empty() ? "the answer's status line is not HTTP"
                                                       : std::string(curl_message)) +
                                     resent_note};
  }
  // libcurl reports the low-speed limit as a timeout; say which limit it was.
  if (result == CURLE_OPERATION_TIMEDOUT && curl_message.starts_with("Operation too slow")) {
    return {ErrorKind::Timeout, "no data for " +
                                    std::to_string(stall_seconds(options_.stall_timeout)) +
                                    " s (the stall timeout)"};
  }
  return {classify(result),
          (curl_message.empty() ? curl_easy_strerror(result) : std::string(curl_message)) +
              resent_note};
}

std::optional<std::chrono::seconds> CurlTransfer::retry_after() const {
  curl_off_t seconds = 0;
  // libcurl parses both forms, a number of seconds and an HTTP date; 0 means "none".
  if (curl_easy_getinfo(easy_, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK || seconds <= 0) {
    return std::nullopt;
  }
  return std::chrono::seconds(seconds);
}

std::optional<RateLimitInfo> CurlTransfer::rate_limit(
    std::chrono::system_clock::time_point wall_now) const {
  return parse_rate_limit_headers(
      [this](std::string_view name) { return last_answer_field(easy_, name); }, wall_now);
}

InputItem CurlTransfer::requeue(Record&& failed) {
  InputItem item = std::move(item_);
  item.url = std::move(failed.url);
  item.source = std::move(failed.source);
  item.attempts = failed.attempts;
  item.last_error = std::move(failed.error);
  return item;
}

Record CurlTransfer::cancel() {
  set_waiting(false);
  body_.reset();  // an uncommitted body file removes itself
  Record record = base_record();
  record.attempts = item_.attempts + 1;  // the abandoned transfer was an attempt
  // What had arrived when the run stopped: the status, the bytes and the time it had taken.
  read_answer(record);
  record.error = FetchError{ErrorKind::Cancelled, "the run was stopped before this transfer ended"};
  return record;
}

Record CurlTransfer::fail(ErrorKind kind, std::string message) {
  set_waiting(false);
  body_.reset();
  return unfetched_record(std::move(item_), {kind, std::move(message)});
}

ErrorKind classify(CURLcode code) noexcept {
  switch (code) {
    case CURLE_URL_MALFORMAT:
      return ErrorKind::InvalidUrl;
    case CURLE_UNSUPPORTED_PROTOCOL:
      return ErrorKind::UnsupportedScheme;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return ErrorKind::Dns;
    case CURLE_COULDNT_CONNECT:
      return ErrorKind::Connect;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::Timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_USE_SSL_FAILED:
      return ErrorKind::Tls;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return ErrorKind::Network;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
      return ErrorKind::Protocol;
    case CURLE_FILESIZE_EXCEEDED:
      return ErrorKind::TooLarge;
    case CURLE_WRITE_ERROR:
      return ErrorKind::Io;
    case CURLE_ABORTED_BY_CALLBACK:
      return ErrorKind::Cancelled;
    default:
      return ErrorKind::Other;
  }
}

Record cancelled_record(InputItem&& item) {
  FetchError error{ErrorKind::Cancelled, stopped_message(item)};
  return unfetched_record(std::move(item), std::move(error));
}

Record unfetched_record(InputItem&& item, FetchError error) {
  Record record;
  record.attempts = item.attempts;
  record.index = item.index;
  record.url = std::move(item.url);
  record.source = std::move(item.source);
  record.error = std::move(error);
  return record;
}

}  // namespace sluice::detail
