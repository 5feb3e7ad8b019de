// How late an inotify event is handled beside an event loop busy with HTTP transfers, three
// ways at once: (a) the inotify descriptor in the loop's own epoll, its handler kept short;
// (b) a thread of its own, blocked in read(); (c) that thread handing each event to the loop,
// as a watcher must when the loop is what starts the work the event asks for.
//
// Usage: example_inotify_lateness URL [SECONDS [CONNECTIONS]]   defaults: 3 s, 50
// URL is http://HOST:PORT/PATH of a server such as `sluice serve`. The loop GETs it over
// CONNECTIONS kept-alive connections, a new request as soon as each response has arrived, while
// another thread renames a file into a watched directory every 10 ms for SECONDS. Then it prints
// how late each way saw the files (p50, p99, max), and whether it saw each file exactly once.
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lateness_stats.hpp"

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::duration<double, std::milli>;

constexpr auto kPeriod = std::chrono::milliseconds(10);
constexpr std::string_view kStopName = "stop";  // renamed in after the last file

// An example's way out of an error that leaves nothing to measure; _Exit, because it may be
// called on any thread while the others still run.
[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "example_inotify_lateness: %s\n", what.c_str());
  std::_Exit(1);
}

// A file seen by one of the ways of watching, and when.
struct Sighting {
  std::size_t file;
  Clock::time_point at;
};

// The file number in a name "file-N".
std::size_t file_number(std::string_view name) {
  std::size_t number = 0;
  const auto digits = name.substr(std::min(name.size(), std::string_view("file-").size()));
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (!name.starts_with("file-") || error != std::errc{} || end != digits.data() + digits.size())
    fail("an unexpected name in the watched directory: " + std::string(name));
  return number;
}

// Calls on_name(name) for each event in `length` bytes read from an inotify descriptor.
template <typename OnName>
void for_each_name(const char* events, ssize_t length, OnName on_name) {
  for (ssize_t offset = 0; offset < length;) {
    inotify_event event{};
    std::memcpy(&event, events + offset, sizeof event);
    if ((event.mask & IN_Q_OVERFLOW) != 0) fail("the inotify queue overflowed");
    // The name follows the fixed part, NUL-padded to event.len bytes.
    on_name(event.len == 0 ? std::string_view() : std::string_view(events + offset + sizeof event));
    offset += static_cast<ssize_t>(sizeof event + event.len);
  }
}

// Reads what events there are into `buffer`; 0 bytes when a non-blocking descriptor has none.
ssize_t read_events(int descriptor, char* buffer, std::size_t size) {
  for (;;) {
    const ssize_t length = read(descriptor, buffer, size);
    if (length >= 0) return length;
    if (errno == EAGAIN) return 0;
    if (errno != EINTR) fail(std::string("inotify read: ") + std::strerror(errno));
  }
}

// An inotify descriptor that reports files renamed into `directory`.
int watch_renames_into(const fs::path& directory, int flags) {
  const int descriptor = inotify_init1(IN_CLOEXEC | flags);
  if (descriptor < 0 || inotify_add_watch(descriptor, directory.c_str(), IN_MOVED_TO) < 0)
    fail(std::string("inotify: ") + std::strerror(errno));
  return descriptor;
}

// One kept-alive connection that GETs the URL again as soon as each response has arrived,
// until `running` turns false. Runs on the loop's thread only; lives until the loop returns.
class Transfer {
 public:
  Transfer(asio::io_context& loop, const std::string& host, const std::string& path,
           const bool& running, std::size_t& done)
      : socket_(loop), running_(running), done_(done) {
    request_.method(http::verb::get);
    request_.target(path);
    request_.set(http::field::host, host);
    request_.keep_alive(true);
  }

  void start(const tcp::resolver::results_type& server) {
    asio::async_connect(socket_, server, [this](const boost::system::error_code& error, auto&&) {
      check(error, "connect");
      send();
    });
  }

 private:
  void send() {
    http::async_write(socket_, request_, [this](const boost::system::error_code& error, auto) {
      check(error, "send");
      receive();
    });
  }

  void receive() {
    response_ = {};
    http::async_read(socket_, buffer_, response_,
                     [this](const boost::system::error_code& error, auto) {
                       check(error, "receive");
                       ++done_;
                       if (running_)
                         send();
                       else
                         socket_.close();
                     });
  }

  static void check(const boost::system::error_code& error, const char* step) {
    if (error) fail(std::string("transfer: ") + step + ": " + error.message());
  }

  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  http::request<http::empty_body> request_;
  http::response<http::string_body> response_;
  const bool& running_;
  std::size_t& done_;
};

void print_row(const char* variant, const std::vector<Sighting>& sightings,
               const std::vector<Clock::time_point>& renamed) {
  std::vector<int> times_seen(renamed.size(), 0);
  std::vector<double> lateness_ms;
  for (const Sighting& s : sightings) {
    if (s.file >= renamed.size()) fail("a file number that was never renamed in");
    ++times_seen[s.file];
    lateness_ms.push_back(Millis(s.at - renamed[s.file]).count());
  }
  const long once = std::count(times_seen.begin(), times_seen.end(), 1);
  const long twice =
      std::count_if(times_seen.begin(), times_seen.end(), [](int n) { return n > 1; });
  std::sort(lateness_ms.begin(), lateness_ms.end());
  if (lateness_ms.empty()) lateness_ms.push_back(std::nan(""));
  std::printf("%-18s %6ld %6ld %8.3f %8.3f %8.3f\n", variant, once, twice,
              percentile(lateness_ms, 0.50), percentile(lateness_ms, 0.99), lateness_ms.back());
}

int main(int argc, char** argv) {
  const double seconds = argc > 2 ? number_or_nan(argv[2]) : 3;
  const double connections = argc > 3 ? number_or_nan(argv[3]) : 50;
  std::cmatch url;
  if (argc < 2 || argc > 4 ||
      !std::regex_match(argv[1], url, std::regex(R"(http://([^/:]+):(\d+)(/.*))")) ||
      !(seconds > 0 && seconds <= 3600) || !(connections >= 1 && connections <= 1000) ||
      connections != std::floor(connections)) {
    std::fprintf(stderr,
                 "usage: example_inotify_lateness http://HOST:PORT/PATH [SECONDS [CONNECTIONS]]\n");
    return 1;
  }
  const std::string host = url[1];
  const std::string path = url[3];
  const auto files = static_cast<std::size_t>(
      std::max(1L, std::lround(std::chrono::duration<double>(seconds) / kPeriod)));

  // The watched directory, and a sibling on the same file system where each file is written
  // before its rename: the rename is what the watchers see, as in `sluice watch`.
  std::string pattern = (fs::temp_directory_path() / "inotify_lateness.XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) fail(std::string("mkdtemp: ") + std::strerror(errno));
  const fs::path root = pattern;
  const fs::path inbox = root / "inbox";
  const fs::path staging = root / "staging";
  fs::create_directory(inbox);
  fs::create_directory(staging);
  const int loop_inotify = watch_renames_into(inbox, IN_NONBLOCK);
  const int thread_inotify = watch_renames_into(inbox, 0);  // blocking: the thread waits in read

  asio::io_context loop;
  tcp::resolver::results_type server;
  try {
    server = tcp::resolver(loop).resolve(host, std::string(url[2]));
  } catch (const boost::system::system_error& error) {
    fail("resolve " + host + ": " + error.what());
  }

  // Touched by the loop's thread only (this one, inside loop.run()), so they need no lock.
  bool transfers_running = true;
  std::size_t transfers_done = 0;
  int watchers_running = 2;  // each way of watching stops at the stop file
  const auto watcher_stopped = [&] {
    if (--watchers_running == 0) transfers_running = false;  // and loop.run() returns
  };
  std::vector<Sighting> in_loop;         // (a)
  std::vector<Sighting> handed_to_loop;  // (c)
  std::vector<Sighting> in_thread;       // (b): its thread's only, until that is joined

  // (a) The inotify descriptor in the loop's epoll. Its handler only reads the events and notes
  // them, so it is as short as the handlers of the transfers beside it.
  asio::posix::stream_descriptor loop_events(loop, loop_inotify);  // closes it
  // [article:inotify-in-loop]
  std::function<void()> wait_for_events;
  const auto on_events = [&](const boost::system::error_code& error) {
    if (error) fail("inotify wait: " + error.message());
    alignas(inotify_event) char events[4096];
    const ssize_t length = read_events(loop_inotify, events, sizeof events);
    const auto now = Clock::now();
    bool stop = false;
    for_each_name(events, length, [&](std::string_view name) {
      if (name == kStopName) {
        stop = true;
      } else {
        in_loop.push_back({file_number(name), now});
      }
    });
    if (stop) {
      watcher_stopped();
    } else {
      wait_for_events();
    }
  };
  wait_for_events = [&] { loop_events.async_wait(loop_events.wait_read, on_events); };
  // [/article:inotify-in-loop]

  std::vector<Clock::time_point> renamed(files);  // the renamer's only, until it is joined
  std::vector<std::unique_ptr<Transfer>> transfers;
  {
    // (b) and (c): a thread of its own that waits in read() and hands each event to the loop.
    std::jthread watcher([&] {
      alignas(inotify_event) char events[4096];
      for (bool stop = false; !stop;) {
        // [article:inotify-thread]
        const ssize_t length = read_events(thread_inotify, events, sizeof events);  // blocks
        const auto now = Clock::now();
        for_each_name(events, length, [&](std::string_view name) {
          if (name == kStopName) {
            stop = true;
            asio::post(loop, watcher_stopped);
          } else {
            const std::size_t file = file_number(name);
            in_thread.push_back({file, now});
            asio::post(loop, [&, file] { handed_to_loop.push_back({file, Clock::now()}); });
          }
        });
        // [/article:inotify-thread]
      }
    });

    // File k is renamed in at start + k * 10 ms: absolute deadlines, as in tick_lateness.cpp.
    const auto start = Clock::now();
    std::jthread renamer([&] {
      const auto rename_in = [&](const std::string& name) {
        std::ofstream(staging / name) << name << '\n';
        const auto now = Clock::now();  // before the rename, so that no watcher can see it earlier
        std::error_code error;
        fs::rename(staging / name, inbox / name, error);
        if (error) fail("rename " + name + ": " + error.message());
        return now;
      };
      for (std::size_t k = 0; k < files; ++k) {
        std::this_thread::sleep_until(start + static_cast<int>(k + 1) * kPeriod);
        renamed[k] = rename_in("file-" + std::to_string(k));
      }
      rename_in(std::string(kStopName));
    });

    for (int i = 0; i < static_cast<int>(connections); ++i) {
      transfers.push_back(
          std::make_unique<Transfer>(loop, host, path, transfers_running, transfers_done));
      transfers.back()->start(server);
    }
    wait_for_events();
    loop.run();  // until both watchers have seen the stop file and every transfer has ended
  }              // the renamer and the watcher join here
  close(thread_inotify);
  fs::remove_all(root);

  std::printf("a file renamed into the watched directory every %lld ms: %zu files\n",
              static_cast<long long>(kPeriod.count()), files);
  std::printf("the loop: %zu transfers over %.0f connections\n", transfers_done, connections);
  std::printf("%-18s %6s %6s %8s %8s %8s\n", "variant", "once", "twice", "p50 ms", "p99 ms",
              "max ms");
  print_row("inotify in loop", in_loop, renamed);
  print_row("own thread", in_thread, renamed);
  print_row("thread, then loop", handed_to_loop, renamed);
  return 0;
}
