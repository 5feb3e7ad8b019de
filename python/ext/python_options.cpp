// sluice::Options from the keyword arguments of sluice.fetch(); docs/python.md lists them.
#include "python_options.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "limit/parse_rate.hpp"
#include "units.hpp"

namespace py = pybind11;

namespace sluice::python {
namespace {

[[noreturn]] void bad(std::string_view name, const std::string& why) {
  throw py::value_error(std::string(name) + ": " + why);
}

// bool is an int in Python; `concurrency=True` is a mistake, not 1.
bool is_integer(const py::handle& value) {
  return py::isinstance<py::int_>(value) && !py::isinstance<py::bool_>(value);
}

std::uint64_t whole_number(std::string_view name, const py::handle& value, std::uint64_t min = 0) {
  if (!is_integer(value))
    bad(name, "expected an int, not " + std::string(py::str(value.get_type().attr("__name__"))));
  const auto number = value.cast<py::int_>();
  if (number < py::int_(min)) bad(name, "must be at least " + std::to_string(min));
  if (number > py::int_(std::numeric_limits<std::int64_t>::max())) bad(name, "too large");
  return number.cast<std::uint64_t>();
}

std::string text(std::string_view name, const py::handle& value) {
  if (!py::isinstance<py::str>(value)) bad(name, "expected a str");
  return value.cast<std::string>();
}

// Seconds as an int or float, or a duration text as the CLI takes it ("500ms").
std::chrono::milliseconds duration(std::string_view name, const py::handle& value) {
  if (py::isinstance<py::str>(value)) {
    auto parsed = detail::parse_duration(value.cast<std::string>());
    if (!parsed) bad(name, parsed.error());
    return *parsed;
  }
  if (py::isinstance<py::bool_>(value) ||
      !(py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value))) {
    bad(name, "expected seconds as a number, or a text such as \"500ms\"");
  }
  const double seconds = value.cast<double>();
  const double limit = std::chrono::duration<double>(detail::kMaxDuration).count();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > limit) {
    bad(name, "must be from 0 to " + std::to_string(detail::kMaxDuration.count()) + " days");
  }
  return std::chrono::milliseconds(std::llround(seconds * 1000));
}

// Bytes as an int, or a size text as the CLI takes it ("20M").
std::uint64_t size(std::string_view name, const py::handle& value) {
  if (!py::isinstance<py::str>(value)) return whole_number(name, value);
  auto parsed = detail::parse_size(value.cast<std::string>());
  if (!parsed) bad(name, parsed.error());
  return *parsed;
}

std::filesystem::path path(std::string_view name, const py::handle& value) {
  const py::object fspath = py::module_::import("os").attr("fspath");
  py::object text_path;
  try {
    text_path = fspath(value);
  } catch (const py::error_already_set&) {
    bad(name, "expected a path");
  }
  if (!py::isinstance<py::str>(text_path)) bad(name, "expected a str path");
  return text_path.cast<std::string>();
}

// An option that takes a whole number from 1 or "auto": the number, or nullopt for "auto".
std::optional<std::uint64_t> whole_number_or_auto(std::string_view name, const py::handle& value) {
  if (py::isinstance<py::str>(value) && value.cast<std::string>() == "auto") return std::nullopt;
  if (!is_integer(value)) bad(name, "expected an int or \"auto\"");
  return whole_number(name, value, 1);
}

void set_concurrency(Options& options, const py::handle& value) {
  if (const auto count = whole_number_or_auto("concurrency", value)) {
    options.concurrency = *count;
  } else {
    options.adaptive_concurrency = true;
  }
}

void set_event_loops(Options& options, const py::handle& value) {
  options.event_loops = whole_number_or_auto("event_loops", value).value_or(0);
}

// A rate option (`name`): a text such as "20/s", a number per second, or None for none.
double rate(const char* name, const py::handle& value) {
  if (value.is_none()) return 0;
  // The CLI's parser also for numbers, so that 0, negatives and NaN are refused alike.
  const std::string spelled =
      py::isinstance<py::str>(value) ? value.cast<std::string>() : std::string(py::str(value));
  if (!py::isinstance<py::str>(value) &&
      (py::isinstance<py::bool_>(value) ||
       !(py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)))) {
    bad(name, "expected a text such as \"20/s\" or a number per second");
  }
  auto parsed = detail::parse_rate(spelled);
  if (!parsed) bad(name, parsed.error());
  return *parsed;
}

void set_engine(Options& options, const py::handle& value) {
  static const std::map<std::string, EngineKind, std::less<>> kEngines{
      {"loop", EngineKind::EventLoop}, {"threads", EngineKind::Threads}};
  const auto found = kEngines.find(text("engine", value));
  if (found == kEngines.end()) bad("engine", "expected \"loop\" or \"threads\"");
  options.engine = found->second;
}

// A list of str, not a str (whose letters would each become an entry).
std::vector<std::string> text_list(std::string_view name, const py::handle& value) {
  if (py::isinstance<py::str>(value)) bad(name, "expected a list of str");
  std::vector<std::string> entries;
  for (const py::handle entry : value) entries.push_back(text(name, entry));
  return entries;
}

// str or bytes, sent as they are; None: no body.
void set_body(Options& options, const py::handle& value) {
  if (value.is_none()) {
    options.body.reset();
  } else if (py::isinstance<py::bytes>(value)) {
    options.body = value.cast<std::string>();
  } else {
    options.body = text("body", value);
  }
}

void set_body_digest(Options& options, const py::handle& value) {
  if (value.is_none()) {
    options.body_digest = BodyDigest::None;
  } else if (text("body_digest", value) == "sha256") {
    options.body_digest = BodyDigest::Sha256;
  } else {
    bad("body_digest", "expected \"sha256\" or None");
  }
}

void set_resolve(Options& options, const py::handle& value) {
  if (py::isinstance<py::str>(value)) bad("resolve", "expected a list of \"HOST:PORT:ADDR\"");
  options.resolve.clear();
  for (const py::handle entry : value) options.resolve.push_back(text("resolve", entry));
}

bool flag(std::string_view name, const py::handle& value) {
  if (!py::isinstance<py::bool_>(value)) bad(name, "expected a bool");
  return value.cast<bool>();
}

using Setter = std::function<void(Options&, const py::handle&)>;

const std::map<std::string, Setter, std::less<>>& setters() {
  static const std::map<std::string, Setter, std::less<>> kSetters{
      {"concurrency", set_concurrency},
      {"max_concurrency",
       [](Options& o, const py::handle& v) {
         o.max_concurrency = whole_number("max_concurrency", v, 1);
       }},
      {"engine", set_engine},
      {"event_loops", set_event_loops},
      {"max_bandwidth",
       [](Options& o, const py::handle& v) {
         // "auto": the link's rate, learned as the run goes, as the CLI's --max-bandwidth auto.
         if (py::isinstance<py::str>(v) && v.cast<std::string>() == "auto") {
           o.adaptive_bandwidth = true;
         } else {
           o.max_bandwidth = size("max_bandwidth", v);
         }
       }},
      {"bandwidth_burst",
       [](Options& o, const py::handle& v) { o.bandwidth_burst = size("bandwidth_burst", v); }},
      {"rate", [](Options& o, const py::handle& v) { o.rate = rate("rate", v); }},
      {"per_host",
       [](Options& o, const py::handle& v) { o.per_host = whole_number("per_host", v); }},
      {"connect_window",
       [](Options& o, const py::handle& v) {
         o.connect_window = whole_number("connect_window", v);
       }},
      {"per_host_rate",
       [](Options& o, const py::handle& v) { o.per_host_rate = rate("per_host_rate", v); }},
      {"timeout", [](Options& o, const py::handle& v) { o.timeout = duration("timeout", v); }},
      {"connect_timeout",
       [](Options& o, const py::handle& v) { o.connect_timeout = duration("connect_timeout", v); }},
      {"stall_timeout",
       [](Options& o, const py::handle& v) { o.stall_timeout = duration("stall_timeout", v); }},
      {"retries",
       [](Options& o, const py::handle& v) {
         const auto retries = whole_number("retries", v);
         if (retries > std::numeric_limits<int>::max()) bad("retries", "too large");
         o.retries = static_cast<int>(retries);
       }},
      {"retry_backoff",
       [](Options& o, const py::handle& v) { o.retry_backoff = duration("retry_backoff", v); }},
      {"max_retry_wait",
       [](Options& o, const py::handle& v) { o.max_retry_wait = duration("max_retry_wait", v); }},
      {"grace", [](Options& o, const py::handle& v) { o.grace = duration("grace", v); }},
      {"max_body", [](Options& o, const py::handle& v) { o.max_body = size("max_body", v); }},
      {"max_redirects",
       [](Options& o, const py::handle& v) {
         o.max_redirects = static_cast<long>(whole_number("max_redirects", v));
       }},
      {"output_dir",
       [](Options& o, const py::handle& v) {
         if (v.is_none()) {
           o.output_dir.reset();
         } else {
           o.output_dir = path("output_dir", v);
         }
       }},
      {"resolve", set_resolve},
      {"insecure", [](Options& o, const py::handle& v) { o.insecure = flag("insecure", v); }},
      {"method", [](Options& o, const py::handle& v) { o.method = text("method", v); }},
      {"body", set_body},
      {"retry_all_methods",
       [](Options& o, const py::handle& v) { o.retry_all_methods = flag("retry_all_methods", v); }},
      {"save_errors",
       [](Options& o, const py::handle& v) { o.save_errors = flag("save_errors", v); }},
      {"body_digest", set_body_digest},
      {"record_headers",
       [](Options& o, const py::handle& v) { o.record_headers = text_list("record_headers", v); }},
      {"max_expansion",
       [](Options& o, const py::handle& v) {
         o.max_expansion = whole_number("max_expansion", v, 1);
       }},
      {"user_agent", [](Options& o, const py::handle& v) { o.user_agent = text("user_agent", v); }},
      {"resume_from",
       [](Options& o, const py::handle& v) {
         if (!v.is_none()) o.resume_from = path("resume_from", v);
       }},
      {"retry_failed",
       [](Options& o, const py::handle& v) { o.retry_failed = flag("retry_failed", v); }},
      {"stats_log",
       [](Options& o, const py::handle& v) {
         if (!v.is_none()) o.stats_log = path("stats_log", v);
       }},
  };
  return kSetters;
}

}  // namespace

Options options_from_kwargs(const py::dict& kwargs) {
  Options options;
  // Records reach Python through the run's locked queue, whichever thread ends them: the
  // command line's default holds here too.
  options.event_loops = 0;
  for (const auto& [key, value] : kwargs) {
    const std::string name = py::str(key);
    const auto setter = setters().find(name);
    if (setter == setters().end()) {
      throw py::type_error("fetch() got an unexpected keyword argument '" + name + "'");
    }
    setter->second(options, value);
  }
  return options;
}

}  // namespace sluice::python
