#include "test_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace seed::storage_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string MakeTempDir(const char* hint) {
  std::string pattern = (std::filesystem::temp_directory_path() / (std::string(hint) + ".XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

// Waits for `pid` up to `timeout`; returns its wait status or -1 when still running.
int WaitBounded(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    if (Clock::now() > deadline) return -1;
    // Polling a child's exit (no pidfd in this glibc's API): a short, bounded interval.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// argv and environment (the process's, with `env` set over it) as execvpe wants them.
class Exec {
 public:
  Exec(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) : argv_(argv) {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry; ++entry) {
      const std::string text(*entry);
      const size_t eq = text.find('=');
      if (eq != std::string::npos) merged[text.substr(0, eq)] = text.substr(eq + 1);
    }
    for (const auto& [name, value] : env) merged[name] = value;
    for (const auto& [name, value] : merged) env_.push_back(name + "=" + value);
    for (auto& a : argv_) args_.push_back(a.data());
    args_.push_back(nullptr);
    for (auto& e : env_) envp_.push_back(e.data());
    envp_.push_back(nullptr);
  }
  [[noreturn]] void Run() {
    ::execvpe(args_[0], args_.data(), envp_.data());
    _exit(127);
  }

 private:
  std::vector<std::string> argv_, env_;
  std::vector<char*> args_, envp_;
};

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                         int timeout_seconds) {
  const std::string dir = MakeTempDir("seed-storage-cmd");
  const std::string out = dir + "/out", err = dir + "/err";
  // Everything the child needs is built before fork: other threads (a fault server) may hold the
  // allocator's lock at that moment.
  Exec exec(argv, env);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int in = ::open("/dev/null", O_RDONLY);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::dup2(in, 0);
    exec.Run();
  }
  CommandResult result;
  int status = WaitBounded(pid, std::chrono::seconds(timeout_seconds));
  if (status == -1) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    result.exit_code = -1;
  } else {
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  result.out = Slurp(out);
  result.err = Slurp(err);
  std::filesystem::remove_all(dir);
  return result;
}

S3TestServer::S3TestServer(const std::vector<std::string>& buckets, bool tls) : tls_(tls) {
  dir_ = MakeTempDir("seed-s3-server");
  if (tls) {
    const CommandResult made = RunCommand(
        {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", dir_ + "/key.pem", "-out", dir_ + "/cert.pem"});
    if (made.exit_code != 0)
      throw std::runtime_error("openssl could not make the test certificate: " + made.err);
  }
  const std::string data = dir_ + "/data", err = dir_ + "/stderr";
  std::filesystem::create_directories(data);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv = {"node", "--openssl-legacy-provider", SEED_S3_SERVER_SCRIPT,
                                   SEED_NODE_MODULES, data};
  argv.insert(argv.end(), buckets.begin(), buckets.end());
  std::map<std::string, std::string> env;
  if (tls_) env = {{"S3_TLS_KEY", dir_ + "/key.pem"}, {"S3_TLS_CERT", dir_ + "/cert.pem"}};
  Exec exec(argv, env);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(pipe_fds[1], 1);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(e, 2);
    exec.Run();
  }
  ::close(pipe_fds[1]);
  // Read "listening PORT\n", bounded.
  std::string line;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
    char buffer[256];
    const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;  // it exited
    line.append(buffer, static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  if (line.rfind("listening ", 0) == 0) port_ = std::atoi(line.c_str() + 10);
  if (port_ <= 0) {
    const std::string why = Slurp(err);
    Stop();
    throw std::runtime_error(
        "the S3 test server did not start (scripts/setup --all installs node and "
        "@20minutes/s3rver into tools/npm): " +
        line + why);
  }
}

S3TestServer::~S3TestServer() { Stop(); }

void S3TestServer::Stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (WaitBounded(pid_, std::chrono::seconds(5)) == -1) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
  dir_.clear();
}

}  // namespace seed::storage_test
