#include "pipeline_testing/bounded_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {

CommandOutcome RunBounded(std::vector<std::string> argv, const std::string& log,
                          std::chrono::seconds timeout) {
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  CommandOutcome outcome;
  int status = 0;
  bool done = WaitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                        std::chrono::duration_cast<std::chrono::milliseconds>(timeout),
                        std::chrono::milliseconds(20));
  if (!done) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    outcome.exit_code = WEXITSTATUS(status);
  }
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  outcome.output = text.str();
  return outcome;
}

}  // namespace seed::pipeline_testing
