// Proof that the emulator speaks the real protocol: the real kubectl drives it over HTTPS with a token.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "kube-emulator/emulator_process.h"
#include "test_objects.h"

namespace kubeemu::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kKubectl = "/usr/bin/kubectl";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// kubectl as a child process with its own kubeconfig and discovery cache.
class Kubectl {
 public:
  Kubectl(const EmulatorProcess& emulator, const std::string& token) : dir_(emulator.Dir() + "/kubectl") {
    fs::create_directories(dir_);
    kubeconfig_ = emulator.WriteKubeconfig(dir_ + "/kubeconfig", token);
  }

  pid_t Start(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path,
              const std::string& stdin_text = "") const {
    std::string stdin_path = dir_ + "/stdin-" + std::to_string(counter_++);
    WriteFile(stdin_path, stdin_text);
    pid_t pid = fork();
    if (pid == 0) {
      int in = open(stdin_path.c_str(), O_RDONLY);
      int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<std::string> argv = {kKubectl, "--kubeconfig", kubeconfig_, "--cache-dir", dir_ + "/cache",
                                       "--request-timeout=10s"};
      argv.insert(argv.end(), args.begin(), args.end());
      // Validation stays on, as users run kubectl: a kubectl that validates on the server
      // (fieldValidation, announced in /openapi/v3) gets it; an older one finds no schema in the
      // minimal /openapi/v2 and goes on.
      std::vector<char*> raw;
      for (auto& arg : argv) raw.push_back(arg.data());
      raw.push_back(nullptr);
      execv(kKubectl, raw.data());
      _exit(127);
    }
    return pid;
  }

  // Runs to completion within `limit`, or kills it and fails.
  Result Run(const std::vector<std::string>& args, const std::string& stdin_text = "",
             std::chrono::seconds limit = std::chrono::seconds(30)) const {
    const std::string base = dir_ + "/run-" + std::to_string(counter_++);
    pid_t pid = Start(args, base + ".out", base + ".err", stdin_text);
    Result result;
    int status = 0;
    const auto deadline = Clock::now() + limit;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        ADD_FAILURE() << "kubectl did not finish within " << limit.count() << " s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a child process
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.out = ReadFile(base + ".out");
    result.err = ReadFile(base + ".err");
    return result;
  }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
  std::string kubeconfig_;
  mutable int counter_ = 0;
};

nlohmann::json ParseJson(const Result& result) {
  auto parsed = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << result.out << result.err;
  return parsed;
}

const char* kCrdYaml = R"(apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.dev
spec:
  group: example.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg], categories: [toys]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
)";

std::string WidgetYaml(const std::string& name, int size) {
  return "apiVersion: example.dev/v1\nkind: Widget\nmetadata:\n  name: " + name + "\nspec:\n  size: " +
         std::to_string(size) + "\n";
}

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The setup script installs kubectl; without it this test must fail, not skip.
    ASSERT_EQ(access(kKubectl, X_OK), 0) << kKubectl << " is missing: run scripts/setup to install kubectl";
    EmulatorOptions options;
    options.tokens = {{"kubectl-token", "kubectl-user"}};
    emulator_ = std::make_unique<EmulatorProcess>(options);
    kubectl_ = std::make_unique<Kubectl>(*emulator_, "kubectl-token");
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<Kubectl> kubectl_;
};

TEST_F(KubectlTest, AppliesGetsLabelsPatchesAndDeletesACustomResource) {
  Result version = kubectl_->Run({"version", "-o", "json"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(ParseJson(version)["serverVersion"]["major"], "1");

  Result crd = kubectl_->Run({"apply", "-f", "-"}, kCrdYaml);
  ASSERT_EQ(crd.exit_code, 0) << crd.err;
  EXPECT_EQ(crd.out, "customresourcedefinition.apiextensions.k8s.io/widgets.example.dev created\n");

  // Client-side apply: create, then a change (a three-way merge patch with the last-applied annotation).
  Result created = kubectl_->Run({"apply", "-f", "-"}, WidgetYaml("w1", 3));
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "widget.example.dev/w1 created\n");
  Result configured = kubectl_->Run({"apply", "-f", "-"}, WidgetYaml("w1", 4));
  ASSERT_EQ(configured.exit_code, 0) << configured.err;
  EXPECT_EQ(configured.out, "widget.example.dev/w1 configured\n");

  Result got = kubectl_->Run({"get", "widgets", "w1", "-o", "json"});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  nlohmann::json widget = ParseJson(got);
  EXPECT_EQ(widget["spec"]["size"], 4);
  EXPECT_EQ(widget["metadata"]["generation"], 2);
  EXPECT_TRUE(widget["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));

  Result labeled = kubectl_->Run({"label", "wg", "w1", "tier=gold"});
  ASSERT_EQ(labeled.exit_code, 0) << labeled.err;
  EXPECT_EQ(labeled.out, "widget.example.dev/w1 labeled\n");
  Result patched = kubectl_->Run({"patch", "widget", "w1", "--type=merge", "-p", R"({"spec":{"color":"red"}})"});
  ASSERT_EQ(patched.exit_code, 0) << patched.err;
  widget = ParseJson(kubectl_->Run({"get", "widget", "w1", "-o", "json"}));
  EXPECT_EQ(widget["metadata"]["labels"]["tier"], "gold");
  EXPECT_EQ(widget["spec"], nlohmann::json({{"size", 4}, {"color", "red"}}));

  // Server-side apply: create, update, a conflict with kubectl-patch's field, then forced.
  Result ssa = kubectl_->Run({"apply", "--server-side", "-f", "-"}, WidgetYaml("w2", 7));
  ASSERT_EQ(ssa.exit_code, 0) << ssa.err;
  EXPECT_EQ(ssa.out, "widget.example.dev/w2 serverside-applied\n");
  ASSERT_EQ(kubectl_->Run({"patch", "widget", "w2", "--type=merge", "-p", R"({"spec":{"size":9}})"}).exit_code, 0);
  Result conflict = kubectl_->Run({"apply", "--server-side", "-f", "-"}, WidgetYaml("w2", 10));
  EXPECT_NE(conflict.exit_code, 0);
  EXPECT_NE(conflict.err.find("conflict with \"kubectl-patch\""), std::string::npos) << conflict.err;
  Result forced = kubectl_->Run({"apply", "--server-side", "--force-conflicts", "-f", "-"}, WidgetYaml("w2", 10));
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(ParseJson(kubectl_->Run({"get", "wg", "w2", "-o", "json"}))["spec"]["size"], 10);

  // Categories and short names resolve through discovery.
  Result names = kubectl_->Run({"get", "toys", "-o", "name"});
  ASSERT_EQ(names.exit_code, 0) << names.err;
  EXPECT_EQ(names.out, "widget.example.dev/w1\nwidget.example.dev/w2\n");

  Result deleted = kubectl_->Run({"delete", "widget", "w1"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "widget.example.dev \"w1\" deleted\n");
  Result missing = kubectl_->Run({"get", "widget", "w1"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("NotFound"), std::string::npos) << missing.err;

  // Every write carries kubectl's identity.
  for (const auto& write : emulator_->Admin("GET", "/writes")) EXPECT_EQ(write["user"], "kubectl-user");
}

TEST_F(KubectlTest, WatchesEventsAsTheyHappen) {
  ASSERT_EQ(kubectl_->Run({"apply", "-f", "-"}, kCrdYaml).exit_code, 0);
  const std::string out = kubectl_->Path("watch.out");
  const std::string err = kubectl_->Path("watch.err");
  pid_t watch = kubectl_->Start({"get", "widgets", "--watch-only", "--output-watch-events", "-o",
                                 "jsonpath={.type} {.object.metadata.name}{\"\\n\"}"},
                                out, err);
  auto wait_for = [&](const std::string& text) {
    const auto deadline = Clock::now() + std::chrono::seconds(20);
    while (ReadFile(out).find(text) == std::string::npos && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the child's output file
    }
    return ReadFile(out).find(text) != std::string::npos;
  };
  // kubectl lists and then watches; wait (bounded) until its watch is open before changing anything.
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (emulator_->Admin("GET", "/watches")["open"] == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling the emulator's watch count
  }
  emulator_->Request("POST", kWidgets, Widget("probe", 0));
  bool opened = wait_for("ADDED probe");
  if (!opened) {
    kill(watch, SIGKILL);
    waitpid(watch, nullptr, 0);
    FAIL() << "kubectl never reported the first event: " << ReadFile(out) << ReadFile(err);
  }
  ASSERT_EQ(kubectl_->Run({"apply", "-f", "-"}, WidgetYaml("w1", 1)).exit_code, 0);
  ASSERT_EQ(kubectl_->Run({"label", "widget", "w1", "a=b"}).exit_code, 0);
  ASSERT_EQ(kubectl_->Run({"delete", "widget", "w1"}).exit_code, 0);
  bool all = wait_for("DELETED w1");
  kill(watch, SIGTERM);
  int status = 0;
  waitpid(watch, &status, 0);
  ASSERT_TRUE(all) << ReadFile(out) << ReadFile(err);
  EXPECT_EQ(ReadFile(out), "ADDED probe\nADDED w1\nMODIFIED w1\nDELETED w1\n");
}

}  // namespace
}  // namespace kubeemu::testing
