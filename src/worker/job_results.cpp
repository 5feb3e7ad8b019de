// Reading the results stream: XRANGE pages, then XREAD BLOCK to follow.
#include "worker/job_results.hpp"

namespace sluice::detail {
namespace {

constexpr const char* kPage = "1000";

// Writes the records of `entries`; returns the last id, or "" for none.
std::string write_entries(const RedisReply& entries, std::ostream& out, std::uint64_t& count) {
  std::string last;
  for (const auto& entry : entries.elements) {
    if (entry.elements.size() != 2) continue;
    last = entry.elements[0].text;
    if (const auto record = entry.elements[1].field("record")) {
      out << *record << '\n';
      ++count;
    }
  }
  out.flush();
  return last;
}

std::expected<bool, RedisFailure> job_done(RedisLink& link, const JobKeys& keys) {
  auto replies = link.pipeline(
      {{"HGET", keys.meta, "open"}, {"HGET", keys.meta, "submitted"}, {"XLEN", keys.results}});
  if (!replies) return std::unexpected(replies.error());
  const auto& open = (*replies)[0];
  const auto& submitted = (*replies)[1];
  const bool closed = open.type != RedisReply::Type::String || open.text == "0";
  const long long total =
      submitted.type == RedisReply::Type::String ? std::stoll(submitted.text) : 0;
  return closed && (*replies)[2].integer >= total;
}

}  // namespace

std::expected<std::uint64_t, std::string> write_results(RedisLink& link, const JobKeys& keys,
                                                        std::ostream& out, bool follow,
                                                        std::stop_token stop) {
  std::uint64_t count = 0;
  std::string after;  // the last id written; "" before the first
  for (;;) {
    auto page =
        link.call({"XRANGE", keys.results, after.empty() ? "-" : "(" + after, "+", "COUNT", kPage});
    if (!page) return std::unexpected(page.error().message);
    if (page->is_error()) return std::unexpected(page->text);
    const std::string last = write_entries(*page, out, count);
    if (last.empty()) break;
    after = last;
  }
  if (!follow) return count;
  if (after.empty()) after = "0-0";
  while (!stop.stop_requested()) {
    auto done = job_done(link, keys);
    if (!done) return std::unexpected(done.error().message);
    if (*done) {
      // Records written between the last read and the check.
      auto rest = link.call({"XRANGE", keys.results, "(" + after, "+"});
      if (!rest) return std::unexpected(rest.error().message);
      write_entries(*rest, out, count);
      break;
    }
    auto more = link.call_retrying(
        {"XREAD", "COUNT", kPage, "BLOCK", "1000", "STREAMS", keys.results, after}, stop);
    if (!more) return std::unexpected(more.error().message);
    if (more->is_error()) return std::unexpected(more->text);
    for (const auto& stream : more->elements) {
      if (stream.elements.size() != 2) continue;
      if (const std::string last = write_entries(stream.elements[1], out, count); !last.empty()) {
        after = last;
      }
    }
  }
  return count;
}

}  // namespace sluice::detail
