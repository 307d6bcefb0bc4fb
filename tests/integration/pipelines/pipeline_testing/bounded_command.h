#pragma once
// A command (kubectl, openssl) run as a child process of a test, its stdout and stderr to a file,
// killed when it outlives its bound.
#include <chrono>
#include <string>
#include <vector>

namespace seed::pipeline_testing {

struct CommandOutcome {
  int exit_code = -1;  // -1: killed at the bound, or ended by a signal
  std::string output;  // stdout and stderr
};

// argv[0] is the program's path. SIGKILL after `timeout`.
CommandOutcome RunBounded(std::vector<std::string> argv, const std::string& log,
                          std::chrono::seconds timeout);

}  // namespace seed::pipeline_testing
