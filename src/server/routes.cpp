// The test server's routes: /todos/{id}, /bytes/{n} (with ranges), /status/{code}, /_stats, the
// echo routes (echo_routes.hpp), ?delay= and the fault parameters.
#include "server/routes.hpp"

#include <array>
#include <nlohmann/json.hpp>
#include <random>

#include "server/echo_routes.hpp"
#include "server/query.hpp"

namespace sluice::detail {
namespace {

namespace http = boost::beast::http;

// The number after `prefix` when `path` is exactly prefix + decimal digits.
std::optional<std::uint64_t> number_after(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) {
    return std::nullopt;
  }
  return parse_count(path.substr(prefix.size()));
}

Answer error(unsigned status, std::string_view message, std::string& body) {
  body = nlohmann::json{{"error", message}}.dump();
  return {.status = status};
}

Answer status_answer(std::optional<std::uint64_t> code, std::string& body) {
  if (!code || *code < 200 || *code > 599) {
    return error(400, "status must be a number from 200 to 599", body);
  }
  const auto status = static_cast<unsigned>(*code);
  // These statuses must not carry a body (RFC 9110, sections 15.3.5 and 15.4.5).
  if (status == 204 || status == 304) {
    body.clear();
  } else {
    body = status_json(status);
  }
  return {.status = status};
}

Answer redirect(std::string location, std::string& body) {
  body = nlohmann::json{{"location", location}}.dump();
  return {.status = 302, .location = std::move(location)};
}

// The answer to a /bytes/{size} request: the whole pattern, or from the first byte of a
// "Range: bytes=START-" (an end, if given, is ignored: the rest is sent, which RFC 9110 allows
// a server). ?ranges=none answers as a server without range support: no Accept-Ranges, and
// the whole body whatever the Range; ?ranges=from-zero as a server that gets them wrong: a
// 206 from the first byte whatever the Range asked.
Answer pattern_answer(const http::request_header<>& request, std::uint64_t size,
                      std::string_view query, std::string& body) {
  Answer answer{.resource = Resource::Pattern, .pattern_size = size};
  if (query_value(query, "ranges") == std::optional<std::string_view>("none")) return answer;
  answer.fields.emplace_back("Accept-Ranges", "bytes");
  const auto range = request.find(http::field::range);
  if (range == request.end() || request.method() != http::verb::get) return answer;
  std::string_view spec(range->value().data(), range->value().size());
  if (!spec.starts_with("bytes=")) return answer;
  spec.remove_prefix(6);
  auto start = parse_count(spec.substr(0, spec.find('-')));
  if (!start || spec.find('-') == std::string_view::npos) return answer;
  const auto total = std::to_string(size);
  if (*start >= size) {
    body.clear();
    return {.status = 416, .fields = {{"Content-Range", "bytes */" + total}}};
  }
  answer.status = 206;
  if (query_value(query, "ranges") == std::optional<std::string_view>("from-zero")) *start = 0;
  answer.pattern_start = *start;
  answer.pattern_size = size - *start;
  answer.fields.emplace_back("Content-Range", "bytes " + std::to_string(*start) + '-' +
                                                  std::to_string(size - 1) + '/' + total);
  return answer;
}

// The origin-form part of an absolute-form target: "http://h:1/a?b" -> "/a?b".
std::string_view origin_form(std::string_view target) {
  if (!target.starts_with("http://") && !target.starts_with("https://")) return target;
  const auto authority = target.find("//") + 2;
  const auto path = target.find_first_of("/?", authority);
  return path == std::string_view::npos ? std::string_view("/") : target.substr(path);
}

}  // namespace

std::string todo_json(std::uint64_t id) {
  static constexpr std::array<std::string_view, 16> kWords = {
      "delectus", "aut", "autem",  "quis",   "ut",         "nam",  "facilis", "et",
      "officia",  "qui", "fugiat", "veniam", "voluptatem", "odio", "minima",  "illo"};
  // A generator seeded by the id makes the title and flag a fixed function of the id.
  std::minstd_rand draw(static_cast<std::minstd_rand::result_type>(id));
  std::string title;
  const auto words = 3 + draw() % 4;
  for (std::uint64_t i = 0; i < words; ++i) {
    if (i > 0) {
      title += ' ';
    }
    title += kWords[draw() % kWords.size()];
  }
  const bool completed = draw() % 2 == 1;
  return nlohmann::ordered_json{
      {"userId", (id - 1) / 20 + 1}, {"id", id}, {"title", title}, {"completed", completed}}
      .dump();
}

std::string status_json(unsigned status) { return nlohmann::json{{"status", status}}.dump(); }

std::string stats_json(const ServerStats& stats, const RecentBins& acked,
                       const RecentBins& requests) {
  return nlohmann::json{{"requests", stats.requests},
                        {"in_flight", stats.in_flight},
                        {"peak_in_flight", stats.peak_in_flight},
                        {"bytes_sent", stats.bytes_sent},
                        {"connections", stats.connections},
                        {"faults", stats.faults},
                        {"overloaded", stats.overloaded},
                        {"rate_limited", stats.rate_limited},
                        {"p50_ms", stats.p50_ms},
                        {"p99_ms", stats.p99_ms},
                        {"acked_bins_first", acked.first},
                        {"acked_bins_100ms", acked.bins},
                        {"request_bins_first", requests.first},
                        {"request_bins_100ms", requests.bins}}
      .dump();
}

Answer route(const http::request_header<>& request, std::string& body,
             std::string_view request_body) {
  const http::verb method = request.method();
  const auto split =
      split_target(origin_form(std::string_view(request.target().data(), request.target().size())));
  std::optional<std::chrono::milliseconds> delay;
  if (const auto text = query_value(split.query, "delay")) {
    auto parsed = parse_delay(*text);
    if (!parsed) {
      return error(400, parsed.error(), body);
    }
    delay = *parsed;
  }
  auto fault = parse_fault_request(split.query);
  if (!fault) {
    return error(400, fault.error(), body);
  }
  const auto path = split.path;
  auto answer = [&]() -> Answer {
    if (auto echo = echo_route(request, path, split.query, body, request_body)) {
      return std::move(*echo);
    }
    // Every method, so that a test sees which method the hop after it used.
    if (path == "/redirect-to") {
      const auto url = query_value(split.query, "url");
      if (!url || url->empty()) return error(400, "redirect-to needs ?url=", body);
      Answer moved = redirect(std::string(*url), body);
      const auto status = query_value(split.query, "status");
      if (status) {
        const auto code = parse_count(*status);
        if (!code || *code < 300 || *code > 399) {
          return error(400, "redirect-to takes a 3xx status", body);
        }
        moved.status = static_cast<unsigned>(*code);
      }
      return moved;
    }
    if (method != http::verb::get && method != http::verb::head) {
      return error(405, "method not allowed", body);
    }
    if (path == "/_stats") {
      return {.resource = Resource::Stats};
    }
    if (const auto id = number_after(path, "/todos/"); id && *id > 0) {
      body = todo_json(*id);
      return {};
    }
    if (const auto size = number_after(path, "/bytes/")) {
      if (*size > kMaxPatternBytes) {
        return error(400, "at most 1073741824 bytes", body);
      }
      return pattern_answer(request, *size, split.query, body);
    }
    if (path.starts_with("/status/")) {
      return status_answer(number_after(path, "/status/"), body);
    }
    if (const auto left = number_after(path, "/redirect/")) {
      if (*left == 0) {
        body = nlohmann::json{{"redirects", "done"}}.dump();
        return {};
      }
      return redirect("/redirect/" + std::to_string(*left - 1), body);
    }
    return error(404, "not found", body);
  }();
  answer.delay = delay;
  answer.fault = *fault;
  return answer;
}

}  // namespace sluice::detail
