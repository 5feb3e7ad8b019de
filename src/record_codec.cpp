// The results format: one JSON object per Record per line, and its inverse for resume.
#include "record_codec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

namespace sluice::detail {
namespace {

using nlohmann::json;
using Failure = std::unexpected<std::string>;
// Literals as string_views: `out += "..."` took a strlen per call, 14 calls per record.
using namespace std::string_view_literals;

// The keys are written by hand because building a json object per record costs 2.5 times
// as much (measured); a string that needs escaping goes through nlohmann, which owns it.
void append_string(std::string& out, std::string_view text) {
  // Printable ASCII without '"' or '\\' is what nlohmann writes unchanged: most URLs and
  // messages are, and they skip the copy into a json value and the second string.
  const bool plain = std::ranges::all_of(
      text, [](char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; });
  if (plain) {
    out.push_back('"');
    out.append(text);
    out.push_back('"');
    return;
  }
  // `false` keeps valid non-ASCII UTF-8 as raw bytes; `replace` turns invalid bytes into U+FFFD.
  out += json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

// `,"key":"value"` when `value` is set; `key` needs no escaping.
void append_optional_string(std::string& out, std::string_view key,
                            const std::optional<std::string>& value) {
  if (!value) return;
  out += ",\""sv;
  out += key;
  out += "\":"sv;
  append_string(out, *value);
}

template <typename Number>
void append_number(std::string& out, Number value) {
  std::array<char, 32> text{};  // the longest shortest-form double or uint64 needs 24
  const auto result = std::to_chars(text.data(), text.data() + text.size(), value);
  out.append(text.data(), result.ptr);
}

void append_millis(std::string& out, double ms) {
  if (!std::isfinite(ms)) {
    out += "null"sv;
    return;
  }
  const double thousandths = std::round(ms * 1000.0);
  if (thousandths < 0 || thousandths >= 1e7) {
    append_number(out, thousandths / 1000.0);
    return;
  }
  // Below 10,000 ms, what to_chars writes for thousandths / 1000 is the whole milliseconds
  // and up to three decimals without trailing zeros (checked for every value): written
  // directly, it skips the shortest-form search for a double.
  const auto count = static_cast<unsigned>(thousandths);
  std::array<char, 16> text{};
  char* end = std::to_chars(text.data(), text.data() + text.size(), count / 1000).ptr;
  unsigned fraction = count % 1000;
  if (fraction != 0) {
    *end++ = '.';
    for (unsigned digit = 100; fraction != 0; digit /= 10) {
      *end++ = static_cast<char>('0' + fraction / digit);
      fraction %= digit;
    }
  }
  out.append(text.data(), end);
}

Failure missing(std::string_view key) { return Failure("missing \"" + std::string(key) + '"'); }

Failure wrong_type(std::string_view key, std::string_view want) {
  return Failure('"' + std::string(key) + "\" must be " + std::string(want));
}

// nullptr when `object` has no `key`.
const json* member(const json& object, std::string_view key) {
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

std::expected<std::string, std::string> required_string(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr) return missing(key);
  if (!value->is_string()) return wrong_type(key, "a string");
  return value->get<std::string>();
}

std::expected<std::optional<std::string>, std::string> optional_string(const json& object,
                                                                       std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return wrong_type(key, "a string");
  return value->get<std::string>();
}

template <typename Integer>
std::expected<Integer, std::string> integer(const json& value, std::string_view key) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<std::uint64_t>();
    if (std::in_range<Integer>(number)) return static_cast<Integer>(number);
  } else if (value.is_number_integer()) {
    const auto number = value.get<std::int64_t>();
    if (std::in_range<Integer>(number)) return static_cast<Integer>(number);
  }
  return wrong_type(key, "an integer in range");
}

template <typename Integer>
std::expected<Integer, std::string> required_integer(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr) return missing(key);
  return integer<Integer>(*value, key);
}

std::expected<double, std::string> required_millis(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr) return missing(key);
  // null is what append_millis writes for a non-finite value.
  if (value->is_null()) return std::numeric_limits<double>::quiet_NaN();
  if (!value->is_number()) return wrong_type(key, "a number or null");
  return value->get<double>();
}

// record.hpp offers only the kind -> name direction.
constexpr std::array kErrorKinds = {
    ErrorKind::InvalidUrl, ErrorKind::UnsupportedScheme, ErrorKind::Dns,  ErrorKind::Connect,
    ErrorKind::Tls,        ErrorKind::Timeout,           ErrorKind::Http, ErrorKind::Network,
    ErrorKind::Protocol,   ErrorKind::TooLarge,          ErrorKind::Io,   ErrorKind::Cancelled,
    ErrorKind::Other,
};

std::expected<std::optional<FetchError>, std::string> error_member(const json& object) {
  const json* value = member(object, "error");
  if (value == nullptr) return missing("error");
  if (value->is_null()) return std::nullopt;
  if (!value->is_object()) return wrong_type("error", "an object or null");
  auto kind_name = required_string(*value, "kind");
  if (!kind_name) return Failure("in \"error\": " + kind_name.error());
  auto message = required_string(*value, "message");
  if (!message) return Failure("in \"error\": " + message.error());
  for (const ErrorKind kind : kErrorKinds) {
    if (to_string(kind) == *kind_name) return FetchError{kind, std::move(*message)};
  }
  return Failure("unknown error kind \"" + *kind_name + '"');
}

}  // namespace

void append_json_line(std::string& out, const Record& record) {
  out += R"({"url":)"sv;
  append_string(out, record.url);
  if (!record.id.empty()) {
    out += R"(,"id":)"sv;
    append_string(out, record.id);
  }
  // A success's source is its id unless a request line named one: then both are worth having.
  if (record.error || (!record.id.empty() && record.id != record.source)) {
    out += R"(,"source":)"sv;
    append_string(out, record.source);
  }
  out += R"(,"status":)"sv;
  if (record.status) {
    append_number(out, *record.status);
  } else {
    out += "null"sv;
  }
  out += record.ok ? R"(,"ok":true)"sv : R"(,"ok":false)"sv;
  out += R"(,"bytes":)"sv;
  append_number(out, record.bytes);
  if (record.wire_bytes) {
    out += R"(,"wire_bytes":)"sv;
    append_number(out, *record.wire_bytes);
  }
  append_optional_string(out, "content_type", record.content_type);
  out += R"(,"elapsed_ms":)"sv;
  append_millis(out, record.elapsed_ms);
  out += R"(,"ttfb_ms":)"sv;
  append_millis(out, record.ttfb_ms);
  out += R"(,"dns_ms":)"sv;
  append_millis(out, record.dns_ms);
  out += R"(,"connect_ms":)"sv;
  append_millis(out, record.connect_ms);
  out += R"(,"tls_ms":)"sv;
  append_millis(out, record.tls_ms);
  out += R"(,"attempts":)"sv;
  append_number(out, record.attempts);
  out += R"(,"error":)"sv;
  if (record.error) {
    // Kind names are plain snake_case ASCII, so they need no escaping.
    out += R"({"kind":")"sv;
    out += to_string(record.error->kind);
    out += R"(","message":)"sv;
    append_string(out, record.error->message);
    out += '}';
  } else {
    out += "null"sv;
  }
  append_optional_string(out, "final_url", record.final_url);
  append_optional_string(out, "http_version", record.http_version);
  append_optional_string(out, "remote_ip", record.remote_ip);
  append_optional_string(out, "sha256", record.sha256);
  if (!record.headers.empty()) {
    out += R"(,"headers":{)"sv;
    for (const auto& [name, value] : record.headers) {
      if (out.back() != '{') out += ',';
      append_string(out, name);
      out += ':';
      append_string(out, value);
    }
    out += '}';
  }
  append_optional_string(out, "saved_to", record.saved_to);
  if (record.skipped) out += R"(,"skipped":true)"sv;
  out += "}\n"sv;
}

std::string as_written(std::string_view text) {
  // The same dump as append_string and the same parse as parse_json_line, so equal by design.
  std::string literal;
  append_string(literal, text);
  return json::parse(literal).get<std::string>();
}

std::expected<Record, std::string> parse_json_line(std::string_view line) {
  const json object = json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) return Failure("not valid JSON");
  if (!object.is_object()) return Failure("not a JSON object");

  Record record;
  auto url = required_string(object, "url");
  if (!url) return Failure(url.error());
  record.url = std::move(*url);

  auto source = optional_string(object, "source");
  if (!source) return Failure(source.error());
  if (*source) record.source = std::move(**source);

  // Absent from records written before sluice had ids.
  auto id = optional_string(object, "id");
  if (!id) return Failure(id.error());
  if (*id) record.id = std::move(**id);
  // Left out when it is the id (see append_json_line).
  if (!*source) record.source = record.id;

  const json* status = member(object, "status");
  if (status == nullptr) return missing("status");
  if (!status->is_null()) {
    const auto code = integer<int>(*status, "status");
    if (!code) return Failure(code.error());
    record.status = *code;
  }

  const json* ok = member(object, "ok");
  if (ok == nullptr) return missing("ok");
  if (!ok->is_boolean()) return wrong_type("ok", "true or false");
  record.ok = ok->get<bool>();

  const auto bytes = required_integer<std::uint64_t>(object, "bytes");
  if (!bytes) return Failure(bytes.error());
  record.bytes = *bytes;

  if (const json* wire_bytes = member(object, "wire_bytes"); wire_bytes != nullptr) {
    const auto wire = integer<std::uint64_t>(*wire_bytes, "wire_bytes");
    if (!wire) return Failure(wire.error());
    record.wire_bytes = *wire;
  }

  auto content_type = optional_string(object, "content_type");
  if (!content_type) return Failure(content_type.error());
  record.content_type = std::move(*content_type);

  const auto elapsed = required_millis(object, "elapsed_ms");
  if (!elapsed) return Failure(elapsed.error());
  record.elapsed_ms = *elapsed;

  const auto ttfb = required_millis(object, "ttfb_ms");
  if (!ttfb) return Failure(ttfb.error());
  record.ttfb_ms = *ttfb;

  // Absent from records written before sluice had them.
  for (auto [key, field] :
       {std::pair{"dns_ms", &record.dns_ms}, std::pair{"connect_ms", &record.connect_ms},
        std::pair{"tls_ms", &record.tls_ms}}) {
    if (member(object, key) == nullptr) continue;
    const auto phase = required_millis(object, key);
    if (!phase) return Failure(phase.error());
    *field = *phase;
  }

  const auto attempts = required_integer<int>(object, "attempts");
  if (!attempts) return Failure(attempts.error());
  record.attempts = *attempts;

  auto error = error_member(object);
  if (!error) return Failure(error.error());
  record.error = std::move(*error);

  auto final_url = optional_string(object, "final_url");
  if (!final_url) return Failure(final_url.error());
  record.final_url = std::move(*final_url);

  auto http_version = optional_string(object, "http_version");
  if (!http_version) return Failure(http_version.error());
  record.http_version = std::move(*http_version);

  for (auto [key, field] :
       {std::pair{"remote_ip", &record.remote_ip}, std::pair{"sha256", &record.sha256}}) {
    auto value = optional_string(object, key);
    if (!value) return Failure(value.error());
    *field = std::move(*value);
  }

  if (const json* headers = member(object, "headers"); headers != nullptr) {
    if (!headers->is_object()) return wrong_type("headers", "an object");
    for (const auto& [name, value] : headers->items()) {
      if (!value.is_string()) return wrong_type("headers", "an object of strings");
      record.headers.emplace(name, value.get<std::string>());
    }
  }

  auto saved_to = optional_string(object, "saved_to");
  if (!saved_to) return Failure(saved_to.error());
  record.saved_to = std::move(*saved_to);

  if (const json* skipped = member(object, "skipped"); skipped != nullptr) {
    if (!skipped->is_boolean()) return wrong_type("skipped", "true or false");
    record.skipped = skipped->get<bool>();
  }

  return record;
}

}  // namespace sluice::detail
