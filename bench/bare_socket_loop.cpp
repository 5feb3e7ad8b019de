// The second floor for bench/own_cost_bench.py: bare_multi_loop.cpp's job (a list, C
// transfers at once, bodies discarded) driven the way sluice's event loop drives libcurl,
// through the socket-action API on its own epoll (libcurl says which sockets to watch and
// when its next timeout is due). The two floors differ only by the API, so callgrind can
// tell libcurl's cost of that API from what sluice itself adds. OPTIONS (comma-separated
// names from kOptions) gives each handle libcurl options as sluice sets them, one by one to
// see what each costs libcurl, or all as "sluice", so that what is left above is sluice's own.
// Usage: bare_socket_loop LIST C [OPTIONS]
#include <curl/curl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "url_list.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Loop {
  int epoll_fd = -1;
  CURLM* multi = nullptr;
  std::optional<Clock::time_point> deadline;
};

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

void lock(CURL*, curl_lock_data data, curl_lock_access, void* mutexes);
void unlock(CURL*, curl_lock_data data, void* mutexes);

// TLS sessions and DNS answers common to every handle, as sluice's CurlShare.
struct Share {
  Share() {
    curl_share_setopt(handle, CURLSHOPT_LOCKFUNC, &lock);
    curl_share_setopt(handle, CURLSHOPT_UNLOCKFUNC, &unlock);
    curl_share_setopt(handle, CURLSHOPT_USERDATA, &mutexes);
    curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  }
  CURLSH* handle = curl_share_init();
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes;
};

void lock(CURL*, curl_lock_data data, curl_lock_access, void* mutexes) {
  (*static_cast<std::array<std::mutex, CURL_LOCK_DATA_LAST>*>(mutexes))[data].lock();
}

void unlock(CURL*, curl_lock_data data, void* mutexes) {
  (*static_cast<std::array<std::mutex, CURL_LOCK_DATA_LAST>*>(mutexes))[data].unlock();
}

// The options of sluice's defaults (include/sluice/options.hpp, src/engines/easy_options.cpp)
// that could change libcurl's work per request; "sluice" sets every one but the last.
struct Option {
  std::string_view name;
  void (*set)(CURL* easy);
};
constexpr std::array kOptions{
    Option{"user-agent", [](CURL* e) { curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice/0.1"); }},
    Option{"connect-timeout",
           [](CURL* e) { curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30'000L); }},
    Option{"low-speed",
           [](CURL* e) {
             curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
             curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 60L);
           }},
    // sluice reads the proxy variables once; "" says what they say when none is set.
    Option{"no-proxy",
           [](CURL* e) {
             curl_easy_setopt(e, CURLOPT_PROXY, "");
             curl_easy_setopt(e, CURLOPT_NOPROXY, "");
           }},
    Option{"protocols",
           [](CURL* e) {
             curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
             curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
           }},
    Option{"header-callback",
           [](CURL* e) { curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &discard); }},
    Option{"share",
           [](CURL* e) {
             static Share share;
             curl_easy_setopt(e, CURLOPT_SHARE, share.handle);
           }},
    // Not sluice's: the user agent as a header line instead of CURLOPT_USERAGENT.
    Option{"user-agent-header",
           [](CURL* e) {
             static curl_slist* const line = curl_slist_append(nullptr, "User-Agent: sluice/0.1");
             curl_easy_setopt(e, CURLOPT_HTTPHEADER, line);
           }},
};

// The setters OPTIONS names, or nothing if it names one that kOptions does not have.
std::optional<std::vector<Option>> options_named(std::string_view names) {
  std::vector<Option> chosen;
  while (!names.empty()) {
    const std::string_view name = names.substr(0, names.find(','));
    names.remove_prefix(std::min(names.size(), name.size() + 1));
    if (name == "sluice") {
      chosen.insert(chosen.end(), kOptions.begin(), kOptions.end() - 1);
      continue;
    }
    const auto* found = std::find_if(kOptions.begin(), kOptions.end(),
                                     [&](const Option& option) { return option.name == name; });
    if (found == kOptions.end()) return std::nullopt;
    chosen.push_back(*found);
  }
  return chosen;
}

int on_socket(CURL*, curl_socket_t socket, int what, void* loop_ptr, void* socketp) {
  auto& loop = *static_cast<Loop*>(loop_ptr);
  if (what == CURL_POLL_REMOVE) {
    ::epoll_ctl(loop.epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.data.fd = socket;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) event.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) event.events |= EPOLLOUT;
  if (socketp != nullptr) return ::epoll_ctl(loop.epoll_fd, EPOLL_CTL_MOD, socket, &event);
  int result = ::epoll_ctl(loop.epoll_fd, EPOLL_CTL_ADD, socket, &event);
  // A descriptor number reused before libcurl said to forget the old socket.
  if (result != 0) result = ::epoll_ctl(loop.epoll_fd, EPOLL_CTL_MOD, socket, &event);
  if (result == 0) curl_multi_assign(loop.multi, socket, &loop);
  return result;
}

int on_timer(CURLM*, long timeout_ms, void* loop_ptr) {
  auto& loop = *static_cast<Loop*>(loop_ptr);
  if (timeout_ms < 0) {
    loop.deadline.reset();
  } else {
    loop.deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

int wait_ms(const Loop& loop) {
  if (!loop.deadline) return 1000;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*loop.deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = options_named(argc == 4 ? argv[3] : "");
  if ((argc != 3 && argc != 4) || !options) {
    std::fprintf(stderr, "usage: bare_socket_loop LIST C [OPTIONS]\n  OPTIONS, comma-separated:");
    for (const Option& option : kOptions) std::fprintf(stderr, " %s", option.name.data());
    std::fprintf(stderr, ", or sluice (all but the last)\n");
    return 2;
  }
  const std::vector<std::string> urls = read_url_list(argv[1]);
  const size_t slots = std::strtoul(argv[2], nullptr, 10);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Loop loop;
  loop.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  loop.multi = curl_multi_init();
  curl_multi_setopt(loop.multi, CURLMOPT_SOCKETFUNCTION, &on_socket);
  curl_multi_setopt(loop.multi, CURLMOPT_SOCKETDATA, &loop);
  curl_multi_setopt(loop.multi, CURLMOPT_TIMERFUNCTION, &on_timer);
  curl_multi_setopt(loop.multi, CURLMOPT_TIMERDATA, &loop);
  size_t next = 0;
  size_t active = 0;
  size_t failed = 0;
  auto start = [&](CURL* easy) {
    curl_easy_setopt(easy, CURLOPT_URL, urls[next++].c_str());
    curl_multi_add_handle(loop.multi, easy);
    ++active;
  };
  for (size_t i = 0; i < slots && next < urls.size(); ++i) {
    CURL* easy = curl_easy_init();
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    for (const Option& option : *options) option.set(easy);
    start(easy);
  }
  std::array<epoll_event, 256> events{};
  int running = 0;
  while (active > 0) {
    const int ready = ::epoll_wait(loop.epoll_fd, events.data(), events.size(), wait_ms(loop));
    for (int i = 0; i < ready; ++i) {
      int action = 0;
      if ((events[i].events & EPOLLIN) != 0) action |= CURL_CSELECT_IN;
      if ((events[i].events & EPOLLOUT) != 0) action |= CURL_CSELECT_OUT;
      if ((events[i].events & (EPOLLERR | EPOLLHUP)) != 0) action |= CURL_CSELECT_ERR;
      curl_multi_socket_action(loop.multi, events[i].data.fd, action, &running);
    }
    if (loop.deadline && Clock::now() >= *loop.deadline) {
      loop.deadline.reset();
      curl_multi_socket_action(loop.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(loop.multi, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      if (message->data.result != CURLE_OK) ++failed;
      curl_multi_remove_handle(loop.multi, easy);
      --active;
      if (next < urls.size()) {
        start(easy);
      } else {
        curl_easy_cleanup(easy);
      }
    }
  }
  curl_multi_cleanup(loop.multi);
  ::close(loop.epoll_fd);
  curl_global_cleanup();
  std::printf("%zu fetched, %zu failed\n", urls.size(), failed);
  return failed == 0 ? 0 : 1;
}
