// Runs a program as a child process with captured stdout/stderr and a time limit.
#include "support/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>

extern char** environ;

namespace sluice::test {
namespace {

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    read_end = fds[0];
    write_end = fds[1];
  }
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args,
                           std::string input, bool keep_input_open)
    : input_(std::move(input)), keep_input_open_(keep_input_open) {
  Pipe in;
  Pipe out;
  Pipe err;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read_end, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out.write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end, STDERR_FILENO);

  std::vector<std::string> argv_strings;
  argv_strings.push_back(program);
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const int spawned =
      ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close_fd(in.read_end);
  close_fd(out.write_end);
  close_fd(err.write_end);
  in_ = in.write_end;
  out_ = out.read_end;
  err_ = err.read_end;
  if (spawned != 0) {
    close_fd(in_);
    close_fd(out_);
    close_fd(err_);
    throw std::runtime_error("cannot start " + program);
  }
  if (in_ >= 0) ::fcntl(in_, F_SETFL, O_NONBLOCK);
  feed_input();  // what the pipe takes now arrives before wait(), the rest during it
}

void ChildProcess::feed_input() {
  if (in_ < 0) return;
  if (input_done_ < input_.size()) {
    const auto put = ::write(in_, input_.data() + input_done_, input_.size() - input_done_);
    if (put > 0) input_done_ += static_cast<std::size_t>(put);
    if (put < 0 && errno != EAGAIN && errno != EINTR) close_fd(in_);
  }
  if (input_done_ == input_.size() && !keep_input_open_) close_fd(in_);
}

ChildProcess::~ChildProcess() {
  if (!reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
}

void ChildProcess::signal(int number) const { ::kill(pid_, number); }

void ChildProcess::exchange(std::chrono::milliseconds timeout) {
  const bool feeding = in_ >= 0 && input_done_ < input_.size();
  std::array<pollfd, 3> fds{
      {{out_, POLLIN, 0}, {err_, POLLIN, 0}, {feeding ? in_ : -1, POLLOUT, 0}}};
  if (::poll(fds.data(), fds.size(), static_cast<int>(timeout.count())) < 0) return;
  std::array<char, 65536> buffer{};
  for (int index : {0, 1}) {
    auto& fd = index == 0 ? out_ : err_;
    auto& text = index == 0 ? out_text_ : err_text_;
    if (fd < 0 || fds[static_cast<std::size_t>(index)].revents == 0) continue;
    const auto got = ::read(fd, buffer.data(), buffer.size());
    if (got > 0) {
      text.append(buffer.data(), static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      close_fd(fd);
    }
  }
  if (feeding && fds[2].revents != 0) feed_input();
}

bool ChildProcess::wait_for_error_output(const std::string& text, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (err_text_.find(text) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || err_ < 0) return false;
    exchange(left);
  }
  return true;
}

std::string ChildProcess::read_first_line(std::chrono::milliseconds limit) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::array<char, 65536> buffer{};
  while (out_ >= 0 && text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd ready{.fd = out_, .events = POLLIN, .revents = 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
    const auto got = ::read(out_, buffer.data(), buffer.size());
    if (got > 0) {
      text.append(buffer.data(), static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  return text;
}

void ChildProcess::close_output() { close_fd(out_); }

ChildResult ChildProcess::wait(std::chrono::milliseconds limit) {
  ChildResult result;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (out_ >= 0 || err_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid_, SIGKILL);
      break;
    }
    exchange(left);
  }
  result.out = std::move(out_text_);
  result.err = std::move(err_text_);
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
  int status = 0;
  rusage usage{};
  ::wait4(pid_, &status, 0, &usage);
  reaped_ = true;
  result.peak_rss_kib = usage.ru_maxrss;
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

ChildResult run_child(const std::string& program, const std::vector<std::string>& args,
                      const std::string& input, std::chrono::milliseconds limit) {
  ChildProcess child(program, args, input);
  return child.wait(limit);
}

}  // namespace sluice::test
