#pragma once
// A child process for the tests: argv spawned with stdout and stderr to a log file, signalled,
// and waited for with a deadline (waitpid polling, never an open-ended wait).
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace seed::stream_test {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, std::string log_file);
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void Signal(int signal) const;
  // The exit status (the code, or 128 + signal), or nullopt if still running at the deadline.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  bool running();
  std::string Log() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_file_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();
// Polls a TCP connect to 127.0.0.1:port until it succeeds or the timeout passes.
bool WaitForPort(int port, std::chrono::milliseconds timeout);
// Runs a command to completion; true when it exits 0.
bool RunCommand(const std::vector<std::string>& argv, const std::string& log_file);

}  // namespace seed::stream_test
