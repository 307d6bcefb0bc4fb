#pragma once
// Child processes for the fetch tests: started with fork/exec (optionally as another user, for
// a database server that refuses to run as root), output captured to files, reaped with a bound.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace seed::fetch_test {

struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  bool active = false;
};

class Child {
 public:
  // stdin from `stdin_path` (or /dev/null), stdout and stderr to the two files.
  Child(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path,
        const std::string& stdin_path = "", RunAs run_as = {});
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // The exit code (128 + signal when killed), or nullopt when still running at the deadline.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  void Signal(int sig);
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

struct Output {
  int code = -1;
  std::string out, err;
};

// Runs to completion (at most `timeout`; then killed and reported as code -1).
Output RunProcess(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                  std::chrono::milliseconds timeout = std::chrono::seconds(120), RunAs run_as = {});

// Polls `ready` until true or the timeout (a bounded wait for a state another process reaches).
template <class F>
bool PollUntil(F ready, std::chrono::milliseconds timeout);

std::string ReadText(const std::string& path);
int FreePort();
// The uid/gid of `user` (when this process is root, servers that refuse root run as it).
RunAs UserOrNobody(const std::string& user);

}  // namespace seed::fetch_test

#include <thread>

template <class F>
bool seed::fetch_test::PollUntil(F ready, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling interval, not synchronisation
  }
  return true;
}
