#pragma once
// Runs a program (helm, seed) for the chart tests and captures what it prints.
#include <string>
#include <vector>

namespace seed::chart_test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs argv[0] with the arguments (no shell), waits for it and returns its exit code and output.
CommandResult RunCommand(const std::vector<std::string>& argv);

}  // namespace seed::chart_test
