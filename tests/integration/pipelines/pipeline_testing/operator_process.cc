#include "pipeline_testing/operator_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace seed::pipeline_testing {

std::string OperatorBinary() { return SEED_OPERATOR_PATH; }

OperatorProcess::OperatorProcess(OperatorOptions options) : options_(std::move(options)) { Start(); }

OperatorProcess::~OperatorProcess() { Stop(); }

void OperatorProcess::Start() {
  if (pid_ > 0) return;
  std::vector<std::string> args = {OperatorBinary(), "--kubeconfig", options_.kubeconfig};
  if (options_.default_args) {
    args.insert(args.end(),
                {"--job-image", options_.job_image, "--workers", std::to_string(options_.workers)});
    if (!options_.clock_file.empty()) args.insert(args.end(), {"--test-clock-file", options_.clock_file});
    // No client rate limit, and ports of its own so tests can run side by side.
    args.insert(args.end(), {"--qps", "100000", "--burst", "100000", "--metrics-addr", "127.0.0.1:0",
                             "--health-addr", "127.0.0.1:0"});
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::string log = options_.log_path.empty() ? "/dev/null" : options_.log_path;
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
}

void OperatorProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int OperatorProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a child's exit, bounded
  }
  Kill();
  return -1;
}

bool OperatorProcess::Running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

}  // namespace seed::pipeline_testing
