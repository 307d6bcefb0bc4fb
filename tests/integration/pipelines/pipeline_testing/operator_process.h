#pragma once
// The operator as a child process of a test: started against a kubeconfig, stopped with SIGTERM
// (bounded wait, then SIGKILL) or killed at once with SIGKILL, as a crash would.
#include <sys/types.h>

#include <string>
#include <vector>

namespace seed::pipeline_testing {

struct OperatorOptions {
  std::string kubeconfig;
  std::string clock_file;  // --test-clock-file; empty: the real clock
  std::string job_image = "seed-job:test";
  int workers = 2;
  std::string log_path;  // stdout and stderr; empty: /dev/null
  std::vector<std::string> extra_args;
  // false: only --kubeconfig and extra_args (e.g. the args of a chart's Deployment), none of the test
  // defaults above.
  bool default_args = true;
};

// The operator binary the tests run (seed-operator).
std::string OperatorBinary();

class OperatorProcess {
 public:
  explicit OperatorProcess(OperatorOptions options);  // starts it
  ~OperatorProcess();                                  // Stop()
  OperatorProcess(const OperatorProcess&) = delete;
  OperatorProcess& operator=(const OperatorProcess&) = delete;

  void Start();
  void Kill();                // SIGKILL and reap: a crash at whatever line it was on
  int Stop();                 // SIGTERM, up to 10 s, then SIGKILL; returns the exit status (-1 if killed)
  bool Running();
  pid_t pid() const { return pid_; }

 private:
  OperatorOptions options_;
  pid_t pid_ = -1;
};

}  // namespace seed::pipeline_testing
