// The parts of a Record that come from the input item and from libcurl's account of the
// answer, and the records of items that were never fetched.
#include "engines/record_builder.hpp"

#include <optional>
#include <string>
#include <utility>

#include "input/url_check.hpp"

namespace sluice::detail {
namespace {

double micros_to_ms(curl_off_t us) { return static_cast<double>(us) / 1000.0; }

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
  record.url = std::move(item.url);
  record.source = std::move(item.source);
  record.bytes = bytes;
  record.attempts = item.attempts + 1;
  return record;
}

long read_answer(CURL* easy, Record& record, int earlier_redirects) {
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
  if (status != 0) {
    record.status = static_cast<int>(status);
    record.http_version = http_version_name(easy);
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
