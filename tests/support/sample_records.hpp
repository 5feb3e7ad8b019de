// Records and input items built by hand, for unit tests that need a few of them to feed
// a unit or to write as results lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "input/input_item.hpp"
#include "record_codec.hpp"
#include "sluice/record.hpp"

namespace sluice::test {

// `record` as one results line.
inline std::string line_of(const Record& record) {
  std::string out;
  detail::append_json_line(out, record);
  return out;
}

// A first attempt that got 200.
inline Record ok_record(const std::string& url) {
  Record record;
  record.url = url;
  record.status = 200;
  record.ok = true;
  record.attempts = 1;
  return record;
}

// A first attempt that failed with `kind` (and `status`, for an HTTP error).
inline Record failed_record(const std::string& url, ErrorKind kind,
                            std::optional<int> status = {}) {
  Record record;
  record.url = url;
  record.source = "urls.txt:1";
  record.status = status;
  record.attempts = 1;
  record.error = FetchError{kind, "it failed"};
  return record;
}

// The OK record of input line `index`, whose URL is `url_prefix` followed by the index.
inline Record numbered_record(std::uint64_t index, std::string_view url_prefix = "http://h/") {
  Record record;
  record.index = index;
  record.url = std::string(url_prefix) + std::to_string(index);
  record.ok = true;
  record.status = 200;
  return record;
}

// Input line `index`, a URL ready to fetch.
inline detail::InputItem numbered_item(std::uint64_t index) {
  detail::InputItem item;
  item.index = index;
  item.url = "http://h/" + std::to_string(index);
  item.fetch_url = item.url;
  return item;
}

}  // namespace sluice::test
