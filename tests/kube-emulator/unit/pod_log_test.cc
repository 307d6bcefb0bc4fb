// GET pods/NAME/log as the real API server answers it: text/plain with the log, ?container= checked
// against the pod's containers, 404 for a missing pod, 400 for a container that is not the pod's, a
// missing container name on a pod with several, and a container that has not started; only get.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kube-emulator/server/emulator.h"

namespace kubeemu {
namespace {

class PodLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("emulator-pod-log-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    EmulatorConfig config;
    config.pod_log_dir = dir_;
    emulator_ = std::make_unique<Emulator>(config);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ApiResponse Call(const std::string& method, const std::string& path, const json& body = nullptr,
                   std::map<std::string, std::string> query = {}) {
    ApiRequest request;
    request.method = method;
    request.path = path;
    request.query = std::move(query);
    request.user = "admin";
    request.groups = {"system:masters"};
    if (!body.is_null()) {
      request.body = body.dump();
      request.content_type = method == "PATCH" ? "application/merge-patch+json" : "application/json";
    }
    return emulator_->Handle(request);
  }
  void CreatePod(const std::string& name, const json& containers, const std::string& phase) {
    ASSERT_LT(Call("POST", "/api/v1/namespaces/default/pods",
                   {{"apiVersion", "v1"},
                    {"kind", "Pod"},
                    {"metadata", {{"name", name}}},
                    {"spec", {{"containers", containers}}}})
                  .code,
              300);
    if (phase != "Pending") {
      ASSERT_LT(Call("PATCH", "/api/v1/namespaces/default/pods/" + name + "/status",
                     {{"status", {{"phase", phase}}}})
                    .code,
                300);
    }
  }
  static std::string Message(const ApiResponse& response) { return response.Body().value("message", ""); }

  std::string dir_;
  std::unique_ptr<Emulator> emulator_;
};

TEST_F(PodLogTest, TextOfTheOneContainerOrTheNamedOne) {
  CreatePod("p1", json::array({{{"name", "main"}, {"image", "x"}}}), "Succeeded");
  std::ofstream(dir_ + "/p1.log") << "line 1\nline 2\n";
  ApiResponse log = Call("GET", "/api/v1/namespaces/default/pods/p1/log");
  EXPECT_EQ(log.code, 200);
  EXPECT_EQ(log.raw_content_type, "text/plain");
  EXPECT_EQ(log.raw_body, "line 1\nline 2\n");
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/pods/p1/log", nullptr, {{"container", "main"}}).raw_body,
            "line 1\nline 2\n");
  // A running pod that printed nothing yet: an empty text answer, not an error.
  CreatePod("p2", json::array({{{"name", "main"}, {"image", "x"}}}), "Running");
  ApiResponse empty = Call("GET", "/api/v1/namespaces/default/pods/p2/log");
  EXPECT_EQ(empty.code, 200);
  EXPECT_EQ(empty.raw_content_type, "text/plain");
  EXPECT_EQ(empty.raw_body, "");
}

TEST_F(PodLogTest, ErrorsAsTheApiServerGivesThem) {
  ApiResponse missing = Call("GET", "/api/v1/namespaces/default/pods/nope/log");
  EXPECT_EQ(missing.code, 404);
  EXPECT_EQ(Message(missing), "pods \"nope\" not found");

  CreatePod("two", json::array({{{"name", "main"}, {"image", "x"}}, {{"name", "side"}, {"image", "y"}}}),
            "Running");
  ApiResponse unnamed = Call("GET", "/api/v1/namespaces/default/pods/two/log");
  EXPECT_EQ(unnamed.code, 400);
  EXPECT_EQ(Message(unnamed), "a container name must be specified for pod two, choose one of: [main side]");
  ApiResponse wrong =
      Call("GET", "/api/v1/namespaces/default/pods/two/log", nullptr, {{"container", "other"}});
  EXPECT_EQ(wrong.code, 400);
  EXPECT_EQ(Message(wrong), "container other is not valid for pod two");

  CreatePod("waiting", json::array({{{"name", "main"}, {"image", "x"}}}), "Pending");
  ApiResponse pending = Call("GET", "/api/v1/namespaces/default/pods/waiting/log");
  EXPECT_EQ(pending.code, 400);
  EXPECT_EQ(Message(pending), "container \"main\" in pod \"waiting\" is waiting to start: ContainerCreating");

  EXPECT_EQ(Call("DELETE", "/api/v1/namespaces/default/pods/waiting/log").code, 405);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/pods/waiting/exec").code, 404);
}

}  // namespace
}  // namespace kubeemu
