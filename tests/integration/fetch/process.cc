#include "process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace seed::fetch_test {

Child::Child(const std::vector<std::string>& argv, const std::string& out_path, const std::string& err_path,
             const std::string& stdin_path, RunAs run_as) {
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int in = ::open(stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0) ::_exit(126);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::setpgid(0, 0);  // its own group: a server's helpers die with it
    if (run_as.active) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(run_as.gid) != 0 || ::setuid(run_as.uid) != 0)
        ::_exit(125);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (pid_ > 0 && !exited_) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

void Child::Signal(int sig) {
  if (!exited_) ::kill(pid_, sig);
}

std::optional<int> Child::Wait(std::chrono::milliseconds timeout) {
  if (exited_) return code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return code_;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child's exit
  }
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Output RunProcess(const std::vector<std::string>& argv, const std::string& stdin_text,
                  std::chrono::milliseconds timeout, RunAs run_as) {
  static std::atomic<int> counter{0};
  const std::string base =
      (std::filesystem::temp_directory_path() /
       ("seed_fetch_run_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
          .string();
  std::string in_path;
  if (!stdin_text.empty()) {
    in_path = base + ".in";
    std::ofstream(in_path, std::ios::binary) << stdin_text;
  }
  Output result;
  {
    Child child(argv, base + ".out", base + ".err", in_path, run_as);
    const auto code = child.Wait(timeout);
    result.code = code ? *code : -1;
  }
  result.out = ReadText(base + ".out");
  result.err = ReadText(base + ".err");
  for (const char* ext : {".in", ".out", ".err"}) std::filesystem::remove(base + ext);
  return result;
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

RunAs UserOrNobody(const std::string& user) {
  RunAs run_as;
  if (::geteuid() != 0) return run_as;
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) pw = ::getpwnam("nobody");
  if (!pw) throw std::runtime_error("running as root, and neither user '" + user + "' nor 'nobody' exists");
  run_as = {pw->pw_uid, pw->pw_gid, true};
  return run_as;
}

}  // namespace seed::fetch_test
