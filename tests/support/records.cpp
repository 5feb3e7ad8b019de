// Reading results files back in tests, and waiting, boundedly, for a condition.
#include "support/records.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "support/temp_dir.hpp"

namespace sluice::test {

std::vector<nlohmann::json> parse_records(const std::string& text) {
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "the last line has no newline: " << text;
  std::vector<nlohmann::json> records;
  std::istringstream stream(text);
  std::size_t number = 0;
  for (std::string line; std::getline(stream, line);) {
    ++number;
    auto record = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(record.is_discarded()) << "line " << number << " is not JSON: " << line;
    if (!record.is_discarded()) records.push_back(std::move(record));
  }
  return records;
}

std::vector<nlohmann::json> read_records(const std::filesystem::path& path) {
  return parse_records(read_file(path));
}

std::vector<nlohmann::json> read_records_after_kill(const std::filesystem::path& path) {
  std::string text = read_file(path);
  // Whole lines only: a torn last line is cut off.
  text.erase(text.find_last_of('\n') == std::string::npos ? 0 : text.find_last_of('\n') + 1);
  return parse_records(text);
}

std::map<std::string, std::size_t> count_by_kind(const std::vector<nlohmann::json>& records) {
  std::map<std::string, std::size_t> counts;
  for (const auto& record : records) {
    ++counts[record["error"].is_null() ? std::string("ok")
                                       : record["error"]["kind"].get<std::string>()];
  }
  return counts;
}

std::map<std::string, std::size_t> count_by_url(const std::vector<nlohmann::json>& records) {
  std::map<std::string, std::size_t> counts;
  for (const auto& record : records) ++counts[record["url"].get<std::string>()];
  return counts;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace sluice::test
