// `kubectl apply` of crds/ and examples/ to the test API emulator succeeds (the real kubectl as a
// child process, with a bounded time).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "kube-emulator/emulator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;
};

// Runs argv with stdout+stderr to a file; SIGKILL after `timeout`.
Outcome RunBounded(std::vector<std::string> argv, const std::string& log, std::chrono::seconds timeout) {
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
  Outcome outcome;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool done = WaitUntil([&] { return waitpid(pid, &status, WNOHANG) == pid; },
                        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()),
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

TEST(KubectlApply, CrdsThenExamplesApplyCleanly) {
  const std::string crds = SourceDir() + "/crds";
  const std::string examples = SourceDir() + "/examples";
  kubeemu::EmulatorOptions options;
  options.tokens = {{"kubectl-token", "kubectl-user"}};
  kubeemu::EmulatorProcess emulator(options);
  std::string kubeconfig = emulator.WriteKubeconfig(emulator.Dir() + "/kubeconfig", "kubectl-token");
  std::string log = emulator.Dir() + "/kubectl.log";
  auto kubectl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/kubectl", "--kubeconfig", kubeconfig});
    // kubectl before 1.22 validates `apply` against the protobuf OpenAPI v2 document, of which the
    // emulator serves only a minimal one with no schemas; Debian's kubectl is 1.20.
    if (args[3] == "apply") args.insert(args.begin() + 4, "--validate=false");
    return RunBounded(args, log, std::chrono::seconds(60));
  };
  Outcome applied_crds = kubectl({"apply", "-f", crds});
  ASSERT_EQ(applied_crds.exit_code, 0) << applied_crds.output;
  for (const char* name : {"jobtemplates.seed.dev", "pipelines.seed.dev", "pipelineruns.seed.dev"}) {
    EXPECT_NE(applied_crds.output.find(name), std::string::npos) << applied_crds.output;
  }
  Outcome applied_examples = kubectl({"apply", "-R", "-f", examples});
  ASSERT_EQ(applied_examples.exit_code, 0) << applied_examples.output;
  EXPECT_NE(applied_examples.output.find("pipeline.seed.dev/"), std::string::npos) << applied_examples.output;
  EXPECT_NE(applied_examples.output.find("jobtemplate.seed.dev/"), std::string::npos) << applied_examples.output;
  Outcome listed = kubectl({"get", "pipelines,jobtemplates", "-o", "name"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("pipeline.seed.dev/"), std::string::npos) << listed.output;
}

}  // namespace
}  // namespace seed::pipeline_testing
