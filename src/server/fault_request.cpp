// Parsing and checking a request's fault parameters, and the header fields some of them ask for.
#include "server/fault_request.hpp"

#include "server/http_date.hpp"
#include "server/query.hpp"

namespace sluice::detail {
namespace {

std::expected<std::chrono::seconds, std::string> parse_retry_after(std::string_view name,
                                                                   std::string_view text) {
  const auto count = parse_count(text);
  if (!count || *count > static_cast<std::uint64_t>(kMaxRetryAfter.count())) {
    return std::unexpected(std::string(name) + " must be a whole number of seconds from 0 to " +
                           std::to_string(kMaxRetryAfter.count()));
  }
  return std::chrono::seconds{static_cast<std::chrono::seconds::rep>(*count)};
}

}  // namespace

std::expected<FaultRequest, std::string> parse_fault_request(std::string_view query) {
  FaultRequest request;
  if (const auto name = query_value(query, "fault")) {
    request.fault = fault_from_name(*name);
    if (!request.fault) {
      return std::unexpected("unknown fault '" + std::string(*name) + "'; the faults are " +
                             fault_names());
    }
  }
  if (const auto text = query_value(query, "fault_times")) {
    request.times = parse_count(*text);
    if (!request.times) {
      return std::unexpected("fault_times must be a whole number");
    }
    // Without ?fault= the mix decides, and counting turns of a random pick means nothing.
    if (!request.fault) {
      return std::unexpected("fault_times needs fault");
    }
  }
  if (const auto text = query_value(query, "fraction")) {
    const auto fraction = parse_share(*text);
    if (!fraction) {
      return std::unexpected("fraction must be a number from 0 to 1");
    }
    request.fraction = *fraction;
  }
  const auto seconds = query_value(query, "retry_after");
  const auto date = query_value(query, "retry_after_date");
  if (seconds && date) {
    return std::unexpected("retry_after and retry_after_date exclude each other");
  }
  if (seconds || date) {
    auto parsed = seconds ? parse_retry_after("retry_after", *seconds)
                          : parse_retry_after("retry_after_date", *date);
    if (!parsed) {
      return std::unexpected(parsed.error());
    }
    request.retry_after = *parsed;
    request.retry_after_date = date.has_value();
  }
  if (const auto form = query_value(query, "form")) {
    if (*form == "ietf") {
      request.rate_limit_form = RateLimitFields::Ietf;
    } else if (*form == "x") {
      request.rate_limit_form = RateLimitFields::X;
    } else {
      return std::unexpected("form must be ietf or x");
    }
  }
  return request;
}

std::string retry_after_value(const FaultRequest& request,
                              std::chrono::system_clock::time_point now) {
  if (request.retry_after_date) {
    return http_date(now + request.retry_after);
  }
  return std::to_string(request.retry_after.count());
}

void set_far_rate_limit_fields(boost::beast::http::fields& fields, const FaultRequest& request) {
  const auto reset = std::to_string(kFarRateLimitReset.count());
  if (request.rate_limit_form == RateLimitFields::X) {
    fields.set("X-RateLimit-Remaining", "0");
    fields.set("X-RateLimit-Reset", reset);
    return;
  }
  fields.set("RateLimit", "\"default\";r=0;t=" + reset);
}

}  // namespace sluice::detail
