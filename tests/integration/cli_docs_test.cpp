// The man page and the shell completions keep up with the command line: each names every
// long option `sluice --help` (and serve's and watch's) lists, and the man page every record
// field and error kind. `sluice --version` says what it was built from and runs on.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "record_codec.hpp"
#include "sluice/record.hpp"
#include "sluice/version.hpp"
#include "support/child_process.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;

std::string read_source_file(const std::string& relative_path) {
  std::ifstream file(std::string(SLUICE_SOURCE_DIR) + "/" + relative_path);
  EXPECT_TRUE(file) << relative_path;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The man page's Markdown writes "\--help" so that pandoc keeps the two hyphens.
std::string read_man_page_source() {
  std::string text = read_source_file("docs/sluice.1.md");
  std::erase(text, '\\');
  return text;
}

// The long options in the option column of a CLI11 help text: "  -c,--concurrency TEXT=10"
// and "  --engine TEXT:{...}" give "--concurrency" and "--engine".
std::set<std::string> long_options_in_help(const std::vector<std::string>& args) {
  const auto result = test::run_child(SLUICE_BINARY, args, {}, 60s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::set<std::string> options;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("  -") || line.starts_with("   ")) continue;
    const auto start = line.find("--");
    if (start == std::string::npos) continue;
    const auto end = line.find_first_of(" =", start);
    options.insert(line.substr(start, end - start));
  }
  return options;
}

std::set<std::string> every_long_option() {
  std::set<std::string> options = long_options_in_help({"--help"});
  // A change to the help's layout must fail this test, not make it check nothing.
  EXPECT_GE(options.size(), 30u);
  EXPECT_TRUE(options.contains("--concurrency"));
  for (const auto& subcommand :
       {"serve", "watch", "demo", "submit", "worker", "results", "status"}) {
    options.merge(long_options_in_help({subcommand, "--help"}));
  }
  EXPECT_TRUE(options.contains("--rate-limit-headers"));  // serve's
  EXPECT_TRUE(options.contains("--out"));                 // watch's
  EXPECT_TRUE(options.contains("--lease"));               // worker's
  return options;
}

// `word` stands alone in `text`: "--rate" is not found in "--rate-limit".
bool names(const std::string& text, const std::string& word) {
  const auto is_word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const auto after = at + word.size();
    if ((at == 0 || !is_word_char(text[at - 1])) &&
        (after == text.size() || !is_word_char(text[after]))) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> missing_from(const std::string& text, const std::set<std::string>& words) {
  std::vector<std::string> missing;
  std::ranges::copy_if(words, std::back_inserter(missing),
                       [&](const std::string& word) { return !names(text, word); });
  return missing;
}

TEST(CliDocsTest, ManPageNamesEveryLongOption) {
  EXPECT_EQ(missing_from(read_man_page_source(), every_long_option()), std::vector<std::string>{});
}

TEST(CliDocsTest, BashCompletionNamesEveryLongOption) {
  EXPECT_EQ(
      missing_from(read_source_file("tools/sluice/completions/sluice.bash"), every_long_option()),
      std::vector<std::string>{});
}

TEST(CliDocsTest, ZshCompletionNamesEveryLongOption) {
  EXPECT_EQ(missing_from(read_source_file("tools/sluice/completions/_sluice"), every_long_option()),
            std::vector<std::string>{});
}

TEST(CliDocsTest, ManPageNamesEveryRecordFieldAndErrorKind) {
  Record record;
  record.status = 200;
  record.error = FetchError{ErrorKind::Other, "message"};
  record.final_url = "http://example.com/";
  record.saved_to = "out/x";
  record.source = "arg:1";
  record.skipped = true;
  record.id = "row-1";
  record.wire_bytes = 1;
  record.http_version = "2";
  record.content_type = "text/plain";
  record.remote_ip = "127.0.0.1";
  record.sha256 = "00";
  record.headers = {{"etag", "x"}};
  std::string line;
  detail::append_json_line(line, record);
  std::set<std::string> words;
  const auto json = nlohmann::json::parse(line);
  for (const auto& [field, value] : json.items()) words.insert(field);
  EXPECT_EQ(words.size(), 22u) << line;  // every optional field was set
  for (const auto& [field, value] : json["error"].items()) words.insert(field);
  for (int kind = 0; kind <= static_cast<int>(ErrorKind::Other); ++kind) {
    words.insert(std::string(to_string(static_cast<ErrorKind>(kind))));
  }
  EXPECT_EQ(missing_from(read_man_page_source(), words), std::vector<std::string>{});
}

TEST(CliDocsTest, ManPageNamesEveryExitCode) {
  const std::string man_page = read_man_page_source();
  const auto exit_status = man_page.find("# EXIT STATUS");
  ASSERT_NE(exit_status, std::string::npos);
  const std::string section = man_page.substr(exit_status, man_page.find("\n# ", exit_status + 1));
  for (const auto* code : {"**0**", "**1**", "**2**", "**3**", "**4**", "**130**", "**143**"}) {
    EXPECT_NE(section.find(code), std::string::npos) << code;
  }
}

TEST(CliVersionTest, NamesTheVersionTheCommitAndTheLibcurlItRunsOn) {
  const auto result = test::run_child(SLUICE_BINARY, {"--version"}, {}, 60s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const VersionInfo info = version_info();
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  EXPECT_EQ(info.curl_version, curl->version);
  EXPECT_EQ(info.http2, (curl->features & CURL_VERSION_HTTP2) != 0);
  EXPECT_FALSE(info.git_commit.empty());
  std::istringstream lines(result.out);
  std::string first;
  std::string second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(first, "sluice " + info.version + " (commit " + info.git_commit + ")");
  EXPECT_EQ(second, "libcurl " + info.curl_version + ", TLS: " + info.tls_library +
                        ", HTTP/2: " + (info.http2 ? "yes" : "no"));
  EXPECT_NE(result.out.find("libcurl features:"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace sluice
