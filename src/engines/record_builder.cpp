// The parts of a Record that come from the input item and from libcurl's account of the
// answer, and the records of items that were never fetched.
#include "engines/record_builder.hpp"

#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "engines/answer_headers.hpp"
#include "input/url_check.hpp"

namespace sluice::detail {
namespace {

double micros_to_ms(curl_off_t us) { return static_cast<double>(us) / 1000.0; }

// The record's id: the request's own, else where the URL came from.
std::string record_id(const InputItem& item) {
  return item.request->id.empty() ? item.source : item.request->id;
}

// libcurl's times are each from the transfer's start; a phase is the step from the one
// before. A phase that did not happen (a reused connection, no TLS) reads 0, and its end
// then equals the previous one's, or lies before it: clamped to 0.
void read_phases(CURL* easy, Record& record) {
  curl_off_t lookup_us = 0;
  curl_off_t connect_us = 0;
  curl_off_t tls_us = 0;
  curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &lookup_us);
  curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
  curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &tls_us);
  record.dns_ms = micros_to_ms(lookup_us);
  record.connect_ms = connect_us > lookup_us ? micros_to_ms(connect_us - lookup_us) : 0;
  record.tls_ms = tls_us > connect_us ? micros_to_ms(tls_us - connect_us) : 0;
}

std::string lower_case(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

std::optional<std::string> info_text(CURL* easy, CURLINFO info) {
  char* text = nullptr;
  curl_easy_getinfo(easy, info, &text);
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::string(text);
}

std::string stopped_message(const InputItem& item) {
  std::string message = "the run was stopped before this URL was fetched";
  if (item.last_error)
    message +=
        "; attempt " + std::to_string(item.attempts) + " had failed: " + item.last_error->message;
  return message;
}

// CURLINFO_HTTP_VERSION as the record writes it; nullopt for a version libcurl adds later.
std::optional<std::string> http_version_name(CURL* easy) {
  long version = 0;
  curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
  switch (version) {
    case CURL_HTTP_VERSION_1_0:
      return "1.0";
    case CURL_HTTP_VERSION_1_1:
      return "1.1";
    case CURL_HTTP_VERSION_2_0:
      return "2";
    case CURL_HTTP_VERSION_3:
      return "3";
    default:
      return std::nullopt;
  }
}

}  // namespace

Record attempt_record(InputItem& item, std::uint64_t bytes) {
  Record record;
  record.index = item.index;
  record.id = record_id(item);
  record.url = std::move(item.url);
  record.source = std::move(item.source);
  record.bytes = bytes;
  record.attempts = item.attempts + 1;
  return record;
}

long read_answer(CURL* easy, Record& record, int earlier_redirects,
                 const std::vector<std::string>& record_headers) {
  long status = 0;
  curl_off_t total_us = 0;
  curl_off_t ttfb_us = 0;
  long redirects = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
  curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &ttfb_us);
  curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
  record.elapsed_ms = micros_to_ms(total_us);
  // libcurl also stamps the first byte's time on a connection that closed without an answer.
  record.ttfb_ms = status != 0 ? micros_to_ms(ttfb_us) : 0;
  read_phases(easy, record);
  record.remote_ip = info_text(easy, CURLINFO_PRIMARY_IP);
  if (status != 0) {
    record.status = static_cast<int>(status);
    record.http_version = http_version_name(easy);
    record.content_type = info_text(easy, CURLINFO_CONTENT_TYPE);
    for (const std::string& name : record_headers) {
      if (auto value = answer_field(easy, name))
        record.headers[lower_case(name)] = std::move(*value);
    }
  }
  if (redirects + earlier_redirects > 0) {
    char* effective = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective != nullptr) record.final_url = redact_userinfo(effective);
  }
  return status;
}

Record unfetched_record(InputItem&& item, FetchError error) {
  Record record;
  record.attempts = item.attempts;
  record.index = item.index;
  record.id = record_id(item);
  record.url = std::move(item.url);
  record.source = std::move(item.source);
  record.error = std::move(error);
  return record;
}

Record skipped_record(InputItem&& item, std::string saved_to) {
  Record record = unfetched_record(std::move(item), {});
  record.error.reset();
  record.ok = true;
  record.skipped = true;
  record.saved_to = std::move(saved_to);
  return record;
}

Record cancelled_record(InputItem&& item) {
  FetchError error{ErrorKind::Cancelled, stopped_message(item)};
  const std::optional<int> status = item.last_status;
  Record record = unfetched_record(std::move(item), std::move(error));
  record.status = status;
  return record;
}

}  // namespace sluice::detail
