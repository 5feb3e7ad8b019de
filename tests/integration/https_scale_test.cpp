// HTTPS and HTTP/2 at scale, as nginx saw them: the connections and full TLS handshakes a run
// costs on each engine, and how HTTP/2 carries -c and --per-host as streams over few
// connections where HTTP/1.1 needs a connection per transfer in flight. Skipped when nginx
// or openssl is missing (.ci/setup installs them).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "server/server.hpp"
#include "support/child_process.hpp"
#include "support/engines.hpp"
#include "support/ports.hpp"
#include "support/records.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nginx.hpp"

namespace sluice {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// What nginx's access log says of the requests of one run.
struct Seen {
  std::size_t requests = 0;
  std::size_t connections = 0;                   // distinct $connection
  std::size_t full_handshakes = 0;               // connections whose TLS session was not resumed
  std::map<std::string, std::size_t> protocols;  // $server_protocol -> requests
  // The most requests nginx was handling at once (streams, over HTTP/2), from each request's
  // end ($msec) and duration ($request_time), both to the millisecond.
  std::size_t peak_in_flight = 0;

  std::size_t over(const std::string& protocol) const {
    const auto found = protocols.find(protocol);
    return found == protocols.end() ? 0 : found->second;
  }
};

// Reads the log lines "$connection $ssl_session_reused $server_protocol $msec $request_time".
Seen count_seen(const std::string& log) {
  Seen seen;
  std::set<std::string> connections;
  std::set<std::string> full;
  // (time in ms, +1 for a start or -1 for an end); at equal times ends sort first, as a
  // request that ends lets the next start in the same millisecond. A request of 0 ms counts
  // as 1 ms, so that none ends before it starts.
  std::vector<std::pair<long long, int>> edges;
  std::istringstream lines(log);
  std::string connection, reused, protocol;
  double end_s = 0, duration_s = 0;
  while (lines >> connection >> reused >> protocol >> end_s >> duration_s) {
    ++seen.requests;
    connections.insert(connection);
    if (reused != "r") full.insert(connection);
    ++seen.protocols[protocol];
    const auto end_ms = static_cast<long long>(end_s * 1000 + 0.5);
    const auto duration_ms = std::max(1LL, static_cast<long long>(duration_s * 1000 + 0.5));
    edges.emplace_back(end_ms - duration_ms, +1);
    edges.emplace_back(end_ms, -1);
  }
  std::sort(edges.begin(), edges.end());
  std::size_t in_flight = 0;
  for (const auto& [at, step] : edges) {
    in_flight = step > 0 ? in_flight + 1 : in_flight - 1;
    seen.peak_in_flight = std::max(seen.peak_in_flight, in_flight);
  }
  seen.connections = connections.size();
  seen.full_handshakes = full.size();
  return seen;
}

std::ostream& operator<<(std::ostream& out, const Seen& seen) {
  out << seen.requests << " requests over " << seen.connections << " connections, "
      << seen.full_handshakes << " full handshakes, peak " << seen.peak_in_flight << " in flight;";
  for (const auto& [protocol, count] : seen.protocols) out << ' ' << protocol << '=' << count;
  return out;
}

// One nginx for a suite, speaking HTTP/2 and HTTP/1.1 over TLS, as a production server is
// set up: TLS 1.3 on and a session cache (nginx 1.22 has neither by default, so it would
// resume no session), and connections kept for as many requests as a test sends. Files are
// served from htdocs; /slow/ goes to the embedded server, whose ?delay= keeps requests in
// flight long enough to count them.
class NginxTlsTest {
 protected:
  static void start_nginx() {
    if (dir_ != nullptr || !test::nginx_installed()) return;
    dir_ = new test::TempDir();
    const fs::path dir = dir_->path();
    test::make_test_certificates(dir);
    fs::create_directories(dir / "htdocs");
    std::ofstream(dir / "htdocs/tiny.txt") << "tiny\n";
    backend_ = new Server(ServerConfig{});
    port_ = test::closed_port();
    const auto at = [&](const char* name) { return (dir / name).string(); };
    nginx_ = new test::TestNginx(
        dir,
        "ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:tls:1m;\n"
        "ssl_certificate " +
            at("server.pem") + "; ssl_certificate_key " + at("server.key") +
            ";\nkeepalive_requests 1000000;\n"
            "log_format seen '$connection $ssl_session_reused $server_protocol $msec "
            "$request_time';\naccess_log " +
            at("access.log") + " seen;\nserver { listen 127.0.0.1:" + std::to_string(port_) +
            " ssl http2; root " + at("htdocs") +
            ";\n  location /slow/ { proxy_pass http://127.0.0.1:" +
            std::to_string(backend_->port()) + "/; } }");
    ready_ = nginx_->wait_listening(port_);
  }
  static void stop_nginx() {
    delete nginx_;  // kills and reaps it
    nginx_ = nullptr;
    delete backend_;
    backend_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  static void check_ready() {
    if (dir_ == nullptr) GTEST_SKIP() << "nginx-light or openssl is not installed";
    ASSERT_TRUE(ready_) << nginx_->error_log();
  }

  // `count` URLs of `path` (each made distinct by its query), one per line in a file.
  static std::string url_list(const std::string& path, std::size_t count) {
    const fs::path list = dir_->path() / "urls.txt";
    std::ofstream out(list);
    const char separator = path.find('?') == std::string::npos ? '?' : '&';
    for (std::size_t i = 0; i < count; ++i) {
      out << "https://127.0.0.1:" << port_ << path << separator << "n=" << i << '\n';
    }
    return "@" + list.string();
  }

  // Runs sluice with `args` and the CA, and returns what nginx saw of it; every record must
  // be a success.
  static Seen run(std::vector<std::string> args) {
    const fs::path log = dir_->path() / "access.log";
    const std::size_t before = fs::exists(log) ? fs::file_size(log) : 0;
    std::vector<std::string> command{"-u",          "https_proxy",
                                     "-u",          "HTTPS_PROXY",
                                     "-u",          "all_proxy",
                                     "-u",          "ALL_PROXY",
                                     SLUICE_BINARY, "-q",
                                     "--retries",   "0",
                                     "--cacert",    (dir_->path() / "ca.pem").string()};
    command.insert(command.end(), args.begin(), args.end());
    const auto result = test::run_child("/usr/bin/env", command, {}, 120s);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const auto records = test::parse_records(result.out);
    EXPECT_EQ(test::count_by_kind(records)["ok"], records.size()) << result.out.substr(0, 2000);
    // nginx writes a request's log line as it ends, before its last byte reaches sluice.
    return count_seen(test::read_file(log).substr(before));
  }

  static inline test::TempDir* dir_ = nullptr;
  static inline Server* backend_ = nullptr;
  static inline test::TestNginx* nginx_ = nullptr;
  static inline std::uint16_t port_ = 0;
  static inline bool ready_ = false;
};

class HttpsEngineTest : public ::testing::TestWithParam<EngineKind>, protected NginxTlsTest {
 protected:
  static void SetUpTestSuite() { start_nginx(); }
  static void TearDownTestSuite() { stop_nginx(); }
  void SetUp() override { check_ready(); }
  std::string engine() const { return GetParam() == EngineKind::Threads ? "threads" : "loop"; }
};

class HttpsTest : public ::testing::Test, protected NginxTlsTest {
 protected:
  static void SetUpTestSuite() { start_nginx(); }
  static void TearDownTestSuite() { stop_nginx(); }
  void SetUp() override { check_ready(); }
};

// Each connection costs one handshake at most, and a run never holds more connections than
// transfers in flight, over either protocol.
TEST_P(HttpsEngineTest, ConnectionsAndFullHandshakesStayWithinConcurrency) {
  for (const std::string protocol : {"--http1.1", "--http2"}) {
    const Seen seen =
        run({"--engine", engine(), "-c", "20", protocol, url_list("/tiny.txt", 2000)});
    EXPECT_EQ(seen.requests, 2000u) << protocol;
    EXPECT_LE(seen.connections, 20u) << protocol << ": " << seen;
    EXPECT_LE(seen.full_handshakes, seen.connections) << protocol << ": " << seen;
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, HttpsEngineTest, test::both_engines(), test::engine_test_name);

// --rate 2/s starts a URL every 500 ms while each takes two seconds, so the three URLs go to
// three workers on three connections, and the third connects a second after the first: by
// then, through the shared session cache, it resumes a session another worker made. With a
// cache per worker, each paid a full handshake. (Under TSan on a loaded machine the first
// handshake outlasted 200 ms: so the second may pay one too, and only the third is asked.)
TEST_F(HttpsTest, ThreadEngineWorkersResumeOneAnothersTlsSessions) {
  const Seen seen = run({"--engine", "threads", "-c", "3", "--rate", "2/s", "--http1.1",
                         url_list("/slow/todos/1?delay=2s", 3)});
  EXPECT_EQ(seen.requests, 3u);
  EXPECT_EQ(seen.connections, 3u) << seen;
  EXPECT_GE(seen.full_handshakes, 1u) << seen;
  EXPECT_LE(seen.full_handshakes, 2u) << seen;
}

// Over HTTP/2, -c 100 transfers to one host are 100 streams on one connection: each waits
// for the first connection's ALPN instead of opening its own (CURLOPT_PIPEWAIT). Each event
// loop keeps its own connections (--event-loops, auto on a machine of several cores), so a
// host gets one per loop, each loop's opened at once, before any has a TLS session to resume.
TEST_F(HttpsTest, Http2CarriesConcurrencyAsStreamsOverAConnectionPerEventLoop) {
  for (const std::size_t loops : {1U, 2U}) {
    const Seen seen = run({"-c", "100", "--event-loops", std::to_string(loops),
                           url_list("/slow/todos/1?delay=200ms", 300)});
    EXPECT_EQ(seen.over("HTTP/2.0"), 300u) << seen;
    EXPECT_LE(seen.connections, 2 * loops) << seen;
    EXPECT_LE(seen.full_handshakes, loops) << seen;
    EXPECT_LE(seen.peak_in_flight, 100u) << seen;
    // Many streams at once on those connections: the run did not go one request at a time.
    EXPECT_GT(seen.peak_in_flight, 10u) << seen;
  }
}

// --per-host counts streams as -c does.
TEST_F(HttpsTest, PerHostCapsStreamsInFlight) {
  const Seen seen =
      run({"-c", "100", "--per-host", "10", url_list("/slow/todos/1?delay=100ms", 100)});
  EXPECT_EQ(seen.over("HTTP/2.0"), 100u) << seen;
  EXPECT_LE(seen.connections, 2u) << seen;
  EXPECT_LE(seen.peak_in_flight, 10u) << seen;
}

// The same run over HTTP/1.1 needs a connection per transfer in flight.
TEST_F(HttpsTest, Http11OpensAConnectionPerTransferInFlight) {
  const Seen seen = run({"-c", "100", "--http1.1", url_list("/slow/todos/1?delay=200ms", 300)});
  EXPECT_EQ(seen.over("HTTP/1.1"), 300u) << seen;
  EXPECT_LE(seen.connections, 100u) << seen;
  EXPECT_GT(seen.connections, 10u) << seen;
  EXPECT_LE(seen.peak_in_flight, 100u) << seen;
}

// The thread engine's workers each keep their own connection (libcurl shares none between
// threads), so over HTTP/2 too it holds a connection per worker, each with one stream.
TEST_F(HttpsTest, ThreadEngineHoldsAConnectionPerWorkerOverHttp2) {
  const Seen seen =
      run({"--engine", "threads", "-c", "20", url_list("/slow/todos/1?delay=100ms", 100)});
  EXPECT_EQ(seen.over("HTTP/2.0"), 100u) << seen;
  EXPECT_LE(seen.connections, 20u) << seen;
  EXPECT_GT(seen.connections, 2u) << seen;
  EXPECT_LE(seen.peak_in_flight, 20u) << seen;
}

}  // namespace
}  // namespace sluice
