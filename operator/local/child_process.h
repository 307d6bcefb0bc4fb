#pragma once
// A task attempt as a child process: argv only (no shell), its own process group (so a stop
// reaches whatever it started), stdout and stderr appended to a log file.
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace seed::local {

struct ExitStatus {
  int exit_code = 0;  // 128 + signal when killed, as container runtimes report it
  int signal = 0;     // 0 unless killed by a signal
};

class ChildProcess {
 public:
  // Starts `argv` with exactly `env` in `working_dir`. Throws std::system_error naming the program
  // when it cannot be started (not found, not executable).
  static ChildProcess Start(const std::vector<std::string>& argv,
                            const std::map<std::string, std::string>& env, const std::string& working_dir,
                            const std::string& log_path);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // A process still running when this is destroyed is killed and reaped.
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Non-blocking: the exit status once the process has ended.
  std::optional<ExitStatus> Poll();
  // SIGTERM (or SIGKILL) to the whole process group.
  void Signal(int signal);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<ExitStatus> exit_;
};

}  // namespace seed::local
