// Runs a program as a child process with captured stdout/stderr and a time limit.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace sluice::test {

struct ChildResult {
  int exit_code = -1;  // -1 when it was killed by a signal or timed out
  int signal = 0;      // the signal that ended it, if one did
  bool timed_out = false;
  long peak_rss_kib = 0;  // the child's maximum resident set size
  std::string out;
  std::string err;
};

// A started child. Its standard input gets `input` and is then closed, unless
// `keep_input_open` (a reader that waits forever on a pipe). Not thread-safe.
// Lifetime: the destructor kills (SIGKILL) and reaps a child that wait() did not.
class ChildProcess {
 public:
  ChildProcess(const std::string& program, const std::vector<std::string>& args,
               std::string input = {}, bool keep_input_open = false);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  void signal(int number) const;
  // Reads the child's standard error as it comes until it holds `text` or `limit` has passed;
  // true when it does. What was read stays part of wait()'s result.
  bool wait_for_error_output(const std::string& text, std::chrono::milliseconds limit);
  // Reads standard output until it holds a whole line (or `limit` passes, or it ends) and
  // returns what was read, which may run past the first line.
  std::string read_first_line(std::chrono::milliseconds limit);
  // Closes the read end of standard output, as `| head -1` does once it has its line: the
  // child's next write fails with EPIPE. wait() then collects standard error only.
  void close_output();
  // Collects output until the child exits; kills it (SIGKILL) once `limit` has passed.
  ChildResult wait(std::chrono::milliseconds limit);

 private:
  // Writes what the pipe takes without blocking; closes it when done (unless kept open).
  void feed_input();
  // Waits up to `timeout` for output or room for input, and takes or gives what is ready.
  void exchange(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  int err_ = -1;
  std::string input_;
  std::size_t input_done_ = 0;
  std::string out_text_;  // read so far
  std::string err_text_;
  bool keep_input_open_;
  bool reaped_ = false;
};

// Runs `program` with `args`, feeding `input` on its stdin, and kills it (SIGKILL) if it
// runs longer than `limit`. Blocks until the child is gone.
ChildResult run_child(const std::string& program, const std::vector<std::string>& args,
                      const std::string& input = {},
                      std::chrono::milliseconds limit = std::chrono::seconds(60));

}  // namespace sluice::test
