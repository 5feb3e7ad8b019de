// Reading results files back in tests, and waiting, boundedly, for a condition.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluice::test {

// One JSON value per line of `text`; a line that is not JSON, or a last line without its
// '\n', fails the calling test.
std::vector<nlohmann::json> parse_records(const std::string& text);
std::vector<nlohmann::json> read_records(const std::filesystem::path& path);
// The records of a results file whose writer was killed with SIGKILL: every line but the last
// must be a whole record, or the calling test fails; the last may be torn (docs/reliability.md, "Crashes")
// and is then left out.
std::vector<nlohmann::json> read_records_after_kill(const std::filesystem::path& path);

// How many records have each value of error.kind ("ok" for records without an error).
std::map<std::string, std::size_t> count_by_kind(const std::vector<nlohmann::json>& records);
// How many records each URL has.
std::map<std::string, std::size_t> count_by_url(const std::vector<nlohmann::json>& records);

// Polls `condition` every few milliseconds until it holds or `limit` passes; returns it.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace sluice::test
