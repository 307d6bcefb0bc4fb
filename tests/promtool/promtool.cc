#include "promtool/promtool.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace seed::promtool {
namespace {

constexpr char kPromtool[] = "/usr/bin/promtool";

}  // namespace

CheckResult CheckMetrics(const std::string& text) {
  CheckResult result;
  if (access(kPromtool, X_OK) != 0) {
    result.output =
        std::string(kPromtool) + " not found: install the Debian package prometheus (scripts/test does)";
    return result;
  }
  char dir_template[] = "/tmp/seed-promtool-XXXXXX";
  if (!mkdtemp(dir_template)) {
    result.output = "mkdtemp failed";
    return result;
  }
  const std::filesystem::path dir = dir_template;
  const std::string input = (dir / "metrics.txt").string();
  const std::string output = (dir / "promtool.out").string();
  std::ofstream(input, std::ios::binary) << text;
  pid_t pid = fork();
  if (pid == 0) {
    int in = open(input.c_str(), O_RDONLY);
    int out = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    execl(kPromtool, kPromtool, "check", "metrics", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  std::ifstream in(output);
  std::stringstream printed;
  printed << in.rdbuf();
  result.output = printed.str();
  result.ok = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace seed::promtool
