// The commands the docs show work: every fenced block marked "sh runnable" in README.md and
// docs/*.md runs with bash against a fresh test server, and must exit 0. docs/library.md shows
// examples/embed/main.cpp as it is.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The server the docs' commands name; the test puts its own address in its place.
constexpr std::string_view kDocServer = "http://127.0.0.1:8080";

struct Block {
  std::string where;  // "README.md:42", the line of the opening fence
  std::string text;
  std::string language;  // the fence's first word
  bool runnable = false;
};

std::string read_repository_file(const fs::path& relative) {
  std::ifstream file(fs::path(SLUICE_SOURCE_DIR) / relative);
  EXPECT_TRUE(file) << relative;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<Block> fenced_blocks(const fs::path& relative) {
  std::vector<Block> blocks;
  std::istringstream lines(read_repository_file(relative));
  std::optional<Block> open;
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (!line.starts_with("```")) {
      if (open) open->text += line + '\n';
      continue;
    }
    if (open) {
      blocks.push_back(std::move(*open));
      open.reset();
      continue;
    }
    std::istringstream info(line.substr(3));
    Block block;
    block.where = relative.string() + ":" + std::to_string(number);
    info >> block.language;
    for (std::string word; info >> word;) block.runnable = block.runnable || word == "runnable";
    open = std::move(block);
  }
  EXPECT_FALSE(open.has_value()) << relative << ": a fence is not closed";
  return blocks;
}

// README.md, then docs/*.md in name order.
std::vector<fs::path> documents() {
  std::vector<fs::path> found;
  for (const auto& entry : fs::directory_iterator(fs::path(SLUICE_SOURCE_DIR) / "docs")) {
    if (entry.path().extension() == ".md") found.push_back("docs" / entry.path().filename());
  }
  std::ranges::sort(found);
  found.insert(found.begin(), "README.md");
  return found;
}

std::string with_server(std::string text, const std::string& base_url) {
  for (auto at = text.find(kDocServer); at != std::string::npos;
       at = text.find(kDocServer, at + base_url.size())) {
    text.replace(at, kDocServer.size(), base_url);
  }
  return text;
}

// Runs each runnable block of one document in order, in one fresh directory (a block may use
// what an earlier one wrote), with the built sluice first on PATH and no proxy.
TEST(DocCommandsTest, EveryRunnableBlockExitsZero) {
  const std::string tool_dir = fs::path(SLUICE_BINARY).parent_path().string();
  std::size_t ran = 0;
  for (const fs::path& document : documents()) {
    const test::TempDir dir;
    Server server(ServerConfig{});
    for (const Block& block : fenced_blocks(document)) {
      if (!block.runnable) continue;
      EXPECT_TRUE(block.language == "sh" || block.language == "bash") << block.where;
      const std::string script = "set -euo pipefail\ncd '" + dir.path().string() +
                                 "'\nexport PATH='" + tool_dir + "':\"$PATH\"\n" +
                                 "unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY "
                                 "ALL_PROXY all_proxy\n" +
                                 with_server(block.text, server.base_url());
      const auto result = test::run_child("/bin/bash", {"-c", script}, {}, 60s);
      EXPECT_EQ(result.exit_code, 0) << block.where << "\n"
                                     << block.text << "stdout:\n"
                                     << result.out << "stderr:\n"
                                     << result.err;
      ++ran;
    }
  }
  // A change to the marking must fail this test, not make it run nothing: the README's five
  // tasks have four runnable blocks.
  EXPECT_GE(ran, 4u);
}

TEST(DocCommandsTest, LibraryPageShowsTheEmbedExampleAsItIs) {
  const std::string example = read_repository_file("examples/embed/main.cpp");
  bool shown = false;
  for (const Block& block : fenced_blocks("docs/library.md")) {
    shown = shown || (block.language == "cpp" && block.text == example);
  }
  EXPECT_TRUE(shown) << "docs/library.md has no cpp block equal to examples/embed/main.cpp";
}

}  // namespace
}  // namespace sluice
