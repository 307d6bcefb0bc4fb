// examples/fleet through the operator: the example's YAML applied as a user applies it (kubectl
// apply -f examples/fleet/), plus the one thing a user adds, the webhook Secret, pointing at a
// loopback receiver. Every pod runs with the real seed-job kernels (local pod runner). A good run
// succeeds with exactly one pod per item attempt; a run whose plant list (the example's `plants`
// param) holds a plant with an invalid capacity fails in that item, and the finally task's notify
// posts the failures JSON to the receiver.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "kube/config.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"
#include "runner/local_pod_runner.h"

namespace seed::e2e {
namespace {

using nlohmann::json;
using pipeline_testing::OperatorOptions;
using pipeline_testing::OperatorProcess;
using pipeline_testing::SeedCluster;
using pipeline_testing::WaitUntil;

std::string Base64(const std::string& in) {
  static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += digits[(n >> shift) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += std::string{digits[(n >> 18) & 63], digits[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += std::string{digits[(n >> 18) & 63], digits[(n >> 12) & 63], digits[(n >> 6) & 63], '='};
  }
  return out;
}

// A webhook receiver on loopback: the bodies POSTed to /hook.
class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mu_);
      bodies_.push_back(request.body);
      response.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<std::string> Bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

class FleetExample : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<SeedCluster>();
    LocalPodRunnerOptions runner;
    runner.kubeconfig = cluster_->kubelet_kubeconfig();
    runner.workspace_dir = cluster_->Dir() + "/workspace";
    runner.scratch_dir = cluster_->Dir() + "/pods";
    runner.programs = {{"seed-job", SEED_JOB_PATH}};
    runner_ = std::make_unique<LocalPodRunner>(runner);
    OperatorOptions options;
    options.kubeconfig = cluster_->operator_kubeconfig();
    options.log_path = cluster_->Dir() + "/operator.log";
    operator_ = std::make_unique<OperatorProcess>(options);
    // As a user applies the example, then the webhook Secret its README asks for.
    cluster_->ApplyDir(pipeline_testing::SourceDir() + "/examples/fleet");
    cluster_->Apply(json({{"apiVersion", "v1"},
                          {"kind", "Secret"},
                          {"metadata", {{"name", "fleet-webhook"}}},
                          {"data", {{"url", Base64(receiver_.Url())}}}})
                        .dump());
  }

  // Creates a run of the example's Pipeline and waits until it ends; returns its status.
  json RunToTheEnd(const std::string& run, const json& params = json::object()) {
    json object = {{"apiVersion", "seed.dev/v1alpha1"},
                   {"kind", "PipelineRun"},
                   {"metadata", {{"name", run}}},
                   {"spec", {{"pipelineRef", {{"name", "fleet-day-ahead"}}}}}};
    if (!params.empty()) object["spec"]["params"] = params;
    cluster_->Apply(object.dump());
    auto status = [&] { return cluster_->Get("pipelineruns", run).value("status", json::object()); };
    WaitUntil(
        [&] {
          std::string phase = status().value("phase", "");
          return phase == "Succeeded" || phase == "Failed";
        },
        std::chrono::seconds(800), std::chrono::milliseconds(200));
    return status();
  }

  std::string Logs() {
    std::string logs;
    for (const auto& pod : runner_->Started())
      logs += "--- " + pod + "\n" + runner_->LogOf(pod).substr(0, 1500) + "\n";
    return logs;
  }

  // Successful pod creates per pod name of `run`, from the emulator's write log.
  std::map<std::string, int> PodCreates(const std::string& run) {
    std::set<std::string> of_run;
    for (const auto& pod : cluster_->List("pods")) {
      if (pod["metadata"].value("labels", json::object()).value("seed.dev/pipelinerun", "") == run)
        of_run.insert(pod["metadata"]["name"].get<std::string>());
    }
    std::map<std::string, int> creates;
    for (const auto& write : cluster_->Writes()) {
      std::string name = write.value("name", "");
      if (write.value("resource", "") == "pods" && write.value("verb", "") == "create" &&
          write.value("code", 0) < 300 && of_run.count(name))
        ++creates[name];
    }
    return creates;
  }

  Receiver receiver_;
  std::unique_ptr<SeedCluster> cluster_;
  std::unique_ptr<LocalPodRunner> runner_;
  std::unique_ptr<OperatorProcess> operator_;
};

TEST_F(FleetExample, TwelvePlantsRunToSucceededWithOnePodPerItemAttempt) {
  json status = RunToTheEnd("fleet-e2e");
  ASSERT_EQ(status.value("phase", ""), "Succeeded") << status.dump(2) << "\n" << Logs();
  const json& tasks = status["tasks"];
  for (const char* task : {"synth", "qc", "train", "forecast", "evaluate"}) {
    EXPECT_EQ(tasks[task]["items"]["phases"], std::string(12, 'S')) << task;
  }
  EXPECT_EQ(tasks["alert"]["phase"], "Skipped");  // quiet on a good day
  EXPECT_TRUE(receiver_.Bodies().empty());

  // Exactly one pod per item attempt: each pod created once; per task and item, attempts 1..n
  // without a gap or a repeat; every plant's five steps, plants and the summary.
  std::map<std::string, int> creates = PodCreates("fleet-e2e");
  std::map<std::pair<std::string, std::string>, std::set<int>> attempts;
  for (const auto& pod : cluster_->List("pods")) {
    json labels = pod["metadata"].value("labels", json::object());
    if (labels.value("seed.dev/pipelinerun", "") != "fleet-e2e") continue;
    auto& seen = attempts[{labels.value("seed.dev/task", ""), labels.value("seed.dev/item", "-")}];
    EXPECT_TRUE(seen.insert(std::stoi(labels.value("seed.dev/attempt", "0"))).second) << pod["metadata"]["name"];
  }
  EXPECT_EQ(attempts.size(), 62u);  // plants, 5 steps x 12 plants, summary
  size_t pods = 0;
  for (const auto& [unit, numbers] : attempts) {
    pods += numbers.size();
    EXPECT_EQ(*numbers.rbegin(), static_cast<int>(numbers.size())) << unit.first << "/" << unit.second;
  }
  EXPECT_EQ(creates.size(), pods) << json(creates).dump();
  for (const auto& [name, count] : creates) EXPECT_EQ(count, 1) << name;

  // The fan-in: the fleet summary over all 12 plants, from the real kernels.
  const json& summary = tasks["summary"]["outputs"];
  double mean = std::stod(summary["mean"].get<std::string>());
  EXPECT_GT(mean, 0.5);
  EXPECT_LE(mean, 1.0);
  std::cout << "examples/fleet: " << creates.size() << " pods, mean accuracy " << mean << ", worst plant "
            << summary["worst_plant"].get<std::string>() << "\n";
}

TEST_F(FleetExample, AnInvalidPlantFailsItsItemAndTheFinallyNotifyPostsTheFailures) {
  // The example's `plants` param, as `kubectl create` or `seed run --set plants=...` gives it: three
  // plants, the second with a capacity of 0 (synth's capacity has minimum 0.1).
  json plants = json::parse(R"([{"id": "wf01", "capacity": 100, "seed": 101},
                                {"id": "wf02", "capacity": 0, "seed": 102},
                                {"id": "wf03", "capacity": 200, "seed": 103}])");
  json status = RunToTheEnd("fleet-e2e-bad", {{"plants", plants.dump()}});
  ASSERT_EQ(status.value("phase", ""), "Failed") << status.dump(2) << "\n" << Logs();
  EXPECT_EQ(status["tasks"]["synth"]["items"]["phases"], "SFS");
  EXPECT_EQ(status["tasks"]["alert"]["phase"], "Succeeded") << status["tasks"]["alert"].dump() << "\n"
                                                            << Logs();
  std::vector<std::string> bodies = receiver_.Bodies();
  ASSERT_EQ(bodies.size(), 1u);
  json body = json::parse(bodies[0]);
  EXPECT_EQ(body["run"], "fleet-e2e-bad");
  EXPECT_EQ(body["status"], "Failed");
  ASSERT_EQ(body["failures"].size(), 1u) << body.dump();
  EXPECT_EQ(body["failures"][0]["task"], "synth");
  EXPECT_EQ(body["failures"][0]["item"], 1);
  EXPECT_EQ(body["failures"][0]["reason"], "InvalidParams");
  EXPECT_NE(body["failures"][0]["message"].get<std::string>().find("capacity"), std::string::npos)
      << body.dump();
  for (const auto& [name, count] : PodCreates("fleet-e2e-bad")) EXPECT_EQ(count, 1) << name;
}

}  // namespace
}  // namespace seed::e2e
