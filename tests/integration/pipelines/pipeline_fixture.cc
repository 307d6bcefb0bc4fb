#include "pipeline_fixture.h"

#include <deque>
#include <fstream>
#include <iostream>

namespace seed::pipeline_testing {

using nlohmann::json;

std::string TaskOf(const json& pod) {
  return pod["metadata"].value("labels", json::object()).value("seed.dev/task", "");
}

PodOutcome WindDagOutcome(const json& pod) {
  std::string task = TaskOf(pod);
  if (task == "synth") return PodOutcome::Succeed(R"({"rows": 2880})");
  if (task == "qc") return PodOutcome::Succeed(R"({"flagged": 3})");
  if (task == "train") return PodOutcome::Succeed(R"({"score": 0.91})");
  if (task == "evaluate") return PodOutcome::Succeed(R"({"accuracy": 0.87})");
  return PodOutcome::Succeed();
}

std::string Testdata(const std::string& name) { return SourceDir() + "/tests/integration/pipelines/testdata/" + name; }

json RunObject(const std::string& name, const std::string& pipeline, const json& params) {
  json run = {{"apiVersion", "seed.dev/v1alpha1"},
              {"kind", "PipelineRun"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec", {{"pipelineRef", {{"name", pipeline}}}}}};
  if (!params.empty()) run["spec"]["params"] = params;
  return run;
}

void PipelineTest::SetUp() { cluster_ = std::make_unique<SeedCluster>(); }

void PipelineTest::TearDown() {
  if (HasFailure() && cluster_) {
    // The operator's last words help more than any assertion message.
    std::ifstream log(cluster_->Dir() + "/operator.log");
    std::deque<std::string> tail;
    for (std::string line; std::getline(log, line);) {
      tail.push_back(line.substr(0, 400));
      if (tail.size() > 400) tail.pop_front();
    }
    for (const auto& line : tail) std::cerr << "operator| " << line << "\n";
  }
  kubelet_.reset();
  operator_.reset();
  cluster_.reset();
}

void PipelineTest::StartOperator(bool test_clock) {
  OperatorOptions options;
  options.kubeconfig = cluster_->operator_kubeconfig();
  if (test_clock) options.clock_file = cluster_->clock_file();
  options.log_path = cluster_->Dir() + "/operator.log";
  operator_ = std::make_unique<OperatorProcess>(options);
}

void PipelineTest::StartKubelet(PodPolicy policy, bool skip_running) {
  FakeKubeletOptions options;
  options.skip_running = skip_running;
  SeedCluster* cluster = cluster_.get();
  options.now = [cluster] { return cluster->ClockText(); };
  kubelet_ = std::make_unique<FakeKubelet>(cluster_->kubelet_kubeconfig(), std::move(policy), options);
}

std::string PipelineTest::RunPhase(const std::string& name) {
  return Run(name).value("status", json::object()).value("phase", "");
}

std::string PipelineTest::TaskPhase(const std::string& run, const std::string& task) {
  json status = Run(run).value("status", json::object());
  return status.value("tasks", json::object()).value(task, json::object()).value("phase", "");
}

bool PipelineTest::WaitForRunPhase(const std::string& name, const std::string& phase,
                                   std::chrono::milliseconds timeout) {
  return WaitUntil([&] { return RunPhase(name) == phase; }, timeout);
}

bool PipelineTest::WaitForTaskPhase(const std::string& run, const std::string& task, const std::string& phase,
                                    std::chrono::milliseconds timeout) {
  return WaitUntil([&] { return TaskPhase(run, task) == phase; }, timeout);
}

std::optional<json> PipelineTest::Pod(const std::string& name) {
  json pod = cluster_->Get("pods", name);
  if (pod.value("kind", "") != "Pod") return std::nullopt;
  return pod;
}

}  // namespace seed::pipeline_testing
