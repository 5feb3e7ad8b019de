// A Record as the dict that sluice.fetch() yields.
#include "record_dict.hpp"

#include <string_view>

namespace py = pybind11;

namespace sluice::python {
namespace {

py::str text(std::string_view bytes) {
  PyObject* decoded =
      PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "replace");
  if (decoded == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(decoded);
}

py::object optional_text(const std::optional<std::string>& value) {
  return value ? py::object(text(*value)) : py::object(py::none());
}

}  // namespace

py::dict record_dict(const Record& record) {
  py::dict out;
  out["index"] = record.index;
  out["url"] = text(record.url);
  out["id"] = text(record.id);
  out["source"] = text(record.source);
  out["status"] = record.status ? py::object(py::int_(*record.status)) : py::object(py::none());
  out["ok"] = record.ok;
  out["bytes"] = record.bytes;
  out["wire_bytes"] =
      record.wire_bytes ? py::object(py::int_(*record.wire_bytes)) : py::object(py::none());
  out["content_type"] = optional_text(record.content_type);
  out["elapsed_ms"] = record.elapsed_ms;
  out["ttfb_ms"] = record.ttfb_ms;
  out["dns_ms"] = record.dns_ms;
  out["connect_ms"] = record.connect_ms;
  out["tls_ms"] = record.tls_ms;
  out["attempts"] = record.attempts;
  if (record.error) {
    py::dict error;
    error["kind"] = text(to_string(record.error->kind));
    error["message"] = text(record.error->message);
    out["error"] = std::move(error);
  } else {
    out["error"] = py::none();
  }
  out["final_url"] = optional_text(record.final_url);
  out["http_version"] = optional_text(record.http_version);
  out["remote_ip"] = optional_text(record.remote_ip);
  out["sha256"] = optional_text(record.sha256);
  py::dict headers;
  for (const auto& [name, value] : record.headers) headers[text(name)] = text(value);
  out["headers"] = std::move(headers);
  out["saved_to"] = optional_text(record.saved_to);
  return out;
}

py::dict report_dict(const FetchReport& report) {
  py::dict out;
  out["urls"] = report.urls;
  out["skipped"] = report.skipped;
  out["skipped_failures"] = report.skipped_failures;
  out["wall_ms"] = report.wall_ms;
  out["stopped"] = report.stopped;
  out["final_limit"] = report.final_limit;
  out["event_loops"] = report.event_loops;
  out["bound_by"] = text(to_string(report.bound_by.kind));
  out["bound_by_share"] = report.bound_by.share;
  out["stats_log_error"] = text(report.stats_log_error);
  return out;
}

}  // namespace sluice::python
