// Runs a program as a child process with captured stdout/stderr and a time limit.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace sluice::test {

struct ChildResult {
  int exit_code = -1;  // -1 when it was killed or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs `program` with `args`, feeding `input` on its stdin, and kills it (SIGKILL) if it
// runs longer than `limit`. Blocks until the child is gone.
ChildResult run_child(const std::string& program, const std::vector<std::string>& args,
                      const std::string& input = {},
                      std::chrono::milliseconds limit = std::chrono::seconds(60));

}  // namespace sluice::test
