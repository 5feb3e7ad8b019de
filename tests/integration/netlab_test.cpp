// Fetches through the link lab (tests/support/netlab.hpp): a 20 Mbit/s tbf link between two
// network namespaces, with `sluice serve --listen` on the far side. Facts come from the link's
// qdisc and from the server's counters, never from the clock. Needs root; skipped otherwise.
#include "support/netlab.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/link_sampler.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using test::NetLab;

constexpr std::uint64_t kMebibyte = 1 << 20;
constexpr std::uint64_t kLabLinkBytesPerSecond = 20'000'000 / 8;

// Builds the lab, serves on its first server address, and checks in teardown that no
// namespace of this process is left, whether the test passed or not.
class NetLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto usable = NetLab::available(); !usable) {
      // As root (CI) the lab must be built, so there a missing piece is a failure.
      if (::geteuid() != 0) GTEST_SKIP() << usable.error();
      FAIL() << usable.error();
    }
  }

  void TearDown() override {
    serve_.reset();
    lab_.reset();
    if (NetLab::available()) {
      EXPECT_TRUE(test::leftover_lab_namespaces().empty());
    }
  }

  // Starts the lab and `sluice serve` inside its server namespace; returns the base URL.
  std::string start(test::NetLabConfig config) {
    lab_ = std::make_unique<NetLab>(config);
    serve_ = lab_->start_in_server(SLUICE_BINARY,
                                   {"serve", "--listen", lab_->server_addresses().front() + ":0"});
    const auto line = serve_->read_first_line(10s);
    const auto start = line.find("http://");
    if (start == std::string::npos) return {};
    return line.substr(start, line.find('\n') - start);
  }

  // The server's /_stats, asked from inside the server namespace.
  nlohmann::json server_stats(const std::string& base) const {
    const auto result =
        lab_->run_in_server("/usr/bin/curl", {"-sS", "--max-time", "10", base + "/_stats"});
    return nlohmann::json::parse(result.out);
  }

  // Fetches `count` bodies of kMebibyte from the client namespace; returns the records.
  std::vector<nlohmann::json> fetch(const std::string& base, int count,
                                    std::vector<std::string> options) {
    const test::TempDir dir;
    const auto results = dir.path() / "results.jsonl";
    options.insert(options.end(), {"-q", "--results", results.string(),
                                   base + "/bytes/" + std::to_string(kMebibyte) + "?n={1.." +
                                       std::to_string(count) + "}"});
    const auto run = lab_->run_in_client(SLUICE_BINARY, options, 60s);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return test::read_records(results);
  }

  std::unique_ptr<NetLab> lab_;
  std::unique_ptr<test::ChildProcess> serve_;
};

TEST_F(NetLabTest, EveryBodyCrossesTheLink) {
  const auto base = start({});
  ASSERT_FALSE(base.empty());
  constexpr int kCount = 6;
  const auto records = fetch(base, kCount, {"-c", "6"});
  ASSERT_EQ(records.size(), std::size_t{kCount});
  for (const auto& record : records) {
    EXPECT_TRUE(record.at("ok").get<bool>()) << record;
    EXPECT_EQ(record.at("bytes").get<std::uint64_t>(), kMebibyte) << record;
  }
  // Every body byte went through the tbf, plus headers and TCP/IP overhead.
  EXPECT_GE(lab_->link_stats().bytes, kCount * kMebibyte);
  EXPECT_EQ(server_stats(base).at("requests").get<std::uint64_t>(), std::uint64_t{kCount});
}

TEST_F(NetLabTest, HalfTheLinkWithMaxBandwidthDropsNothing) {
  // A queue of 1 MB (400 ms at 20 Mbit/s): far more than what a paced sender needs.
  const auto base = start({.queue_limit_bytes = 1'000'000});
  ASSERT_FALSE(base.empty());
  constexpr int kCount = 4;
  const auto records = fetch(
      base, kCount, {"-c", "4", "--max-bandwidth", std::to_string(kLabLinkBytesPerSecond / 2)});
  ASSERT_EQ(records.size(), std::size_t{kCount});
  for (const auto& record : records) {
    EXPECT_TRUE(record.at("ok").get<bool>()) << record;
  }
  const auto link = lab_->link_stats();
  EXPECT_GE(link.bytes, kCount * kMebibyte);
  EXPECT_EQ(link.drops, 0u);
}

TEST_F(NetLabTest, AutoBandwidthLearnsTheLinkAndStopsDroppingAfterTheFirstSecond) {
  const auto base = start({});
  ASSERT_FALSE(base.empty());
  // The link's drop counter every 100 ms while the load runs, from outside both namespaces;
  // the peak of its queue as fast as tc answers.
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> drops;
  const auto started = std::chrono::steady_clock::now();
  std::jthread sampler([&](std::stop_token stop) {
    for (int i = 0; i < 900 && !stop.stop_requested(); ++i) {  // 90 s at most
      drops.emplace_back(std::chrono::steady_clock::now(), lab_->link_stats().drops);
      std::this_thread::sleep_for(100ms);
    }
  });
  test::LinkSampler queue(*lab_);
  constexpr int kCount = 15;  // about 6.5 s of the link
  const auto records = fetch(base, kCount, {"-c", "50", "--max-bandwidth", "auto"});
  queue.stop();
  sampler.request_stop();
  sampler.join();
  ASSERT_EQ(records.size(), std::size_t{kCount});
  for (const auto& record : records) {
    EXPECT_TRUE(record.at("ok").get<bool>()) << record;
  }
  ASSERT_FALSE(drops.empty());
  const auto after_first_second = std::find_if(
      drops.begin(), drops.end(), [&](const auto& sample) { return sample.first - started >= 1s; });
  ASSERT_NE(after_first_second, drops.end());
  EXPECT_EQ(drops.back().second, after_first_second->second)
      << "drops after the first second: " << drops.back().second - after_first_second->second;
  // The window budget follows the learned rate: the queue stays far from full (100 ms, 250 kB
  // here) from the first packet. Measured peaks are 15-30 kB; a full queue is what the
  // fetchers without a cap keep.
  ASSERT_TRUE(queue.error().empty()) << queue.error();
  ASSERT_GT(queue.samples(), 10u);
  EXPECT_LT(queue.peak_backlog(), 250'000u / 4) << queue.samples() << " samples of the queue";
}

TEST_F(NetLabTest, ServerServesOnEveryAddress) {
  lab_ = std::make_unique<NetLab>(test::NetLabConfig{.server_addresses = 3});
  ASSERT_EQ(lab_->server_addresses().size(), 3u);
  std::vector<std::string> args{"serve"};
  for (const auto& address : lab_->server_addresses()) {
    args.insert(args.end(), {"--listen", address + ":8080"});
  }
  serve_ = lab_->start_in_server(SLUICE_BINARY, args);
  std::string lines;
  for (int i = 0; i < 50 && std::count(lines.begin(), lines.end(), '\n') < 3; ++i) {
    lines += serve_->read_first_line(200ms);
  }
  ASSERT_EQ(std::count(lines.begin(), lines.end(), '\n'), 3) << lines;
  const test::TempDir dir;
  const auto results = dir.path() / "results.jsonl";
  const auto run = lab_->run_in_client(
      SLUICE_BINARY, {"-q", "--results", results.string(), "http://10.213.0.1:8080/todos/1",
                      "http://10.213.0.2:8080/todos/2", "http://10.213.0.3:8080/todos/3"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(test::count_by_kind(test::read_records(results))["ok"], 3u);
  EXPECT_EQ(server_stats("http://10.213.0.2:8080").at("requests").get<std::uint64_t>(), 3u);
}

}  // namespace
}  // namespace sluice
