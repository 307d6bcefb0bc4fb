#include "helm_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pipeline_testing/seed_cluster.h"

extern char** environ;

namespace seed::helm_testing {

namespace fs = std::filesystem;

std::string FindHelm() {
  const fs::path tools = fs::path(pipeline_testing::SourceDir()) / "tools";
  auto executable = [](const fs::path& path) {
    std::error_code error;
    return fs::is_regular_file(path, error) && access(path.c_str(), X_OK) == 0;
  };
  if (executable(tools / "helm")) return (tools / "helm").string();
  std::error_code error;
  const fs::path modules = tools / "npm" / "node_modules";
  if (!fs::is_directory(modules, error)) return "";
  for (fs::recursive_directory_iterator it(modules, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename() == "helm" && executable(it->path())) return it->path().string();
  }
  return "";
}

CommandResult RunHelm(const std::string& helm, const std::vector<std::string>& args, const std::string& home,
                      std::chrono::seconds timeout) {
  for (const char* dir : {"cache", "config", "data"}) fs::create_directories(fs::path(home) / dir);
  std::vector<std::string> argv = {helm};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env = {"HELM_CACHE_HOME=" + home + "/cache",
                                  "HELM_CONFIG_HOME=" + home + "/config", "HELM_DATA_HOME=" + home + "/data"};
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    if (text.rfind("HELM_", 0) != 0 && text.rfind("KUBECONFIG=", 0) != 0) env.push_back(text);
  }
  std::vector<char*> argv_pointers;
  for (auto& arg : argv) argv_pointers.push_back(arg.data());
  argv_pointers.push_back(nullptr);
  std::vector<char*> env_pointers;
  for (auto& entry : env) env_pointers.push_back(entry.data());
  env_pointers.push_back(nullptr);
  const std::string log = home + "/helm.out";
  const std::string errors = home + "/helm.err";

  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out >= 0) dup2(out, 1);
    if (err >= 0) dup2(err, 2);
    execve(argv_pointers[0], argv_pointers.data(), env_pointers.data());
    _exit(127);
  }
  CommandResult result;
  int status = 0;
  bool exited = pipeline_testing::WaitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                                            std::chrono::duration_cast<std::chrono::milliseconds>(timeout),
                                            std::chrono::milliseconds(20));
  if (!exited) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  result.output = read(log);
  result.errors = read(errors);
  if (!exited) result.errors += "\n(helm killed after " + std::to_string(timeout.count()) + " s)";
  return result;
}

}  // namespace seed::helm_testing
