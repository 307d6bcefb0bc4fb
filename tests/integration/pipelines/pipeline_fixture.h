#pragma once
// Shared setup of the pipeline integration tests: a cluster (emulator + CRDs), the operator as a
// child process, and helpers to read runs and pods.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "pipeline_testing/fake_kubelet.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {

// The value outputs the six-task wind DAG's templates report.
PodOutcome WindDagOutcome(const nlohmann::json& pod);
std::string TaskOf(const nlohmann::json& pod);
std::string Testdata(const std::string& name);

// A PipelineRun object created by a user (no schedule).
nlohmann::json RunObject(const std::string& name, const std::string& pipeline,
                         const nlohmann::json& params = nlohmann::json::object());

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void StartOperator(bool test_clock = true);
  void StartKubelet(PodPolicy policy, bool skip_running = false);

  nlohmann::json Run(const std::string& name) { return cluster_->Get("pipelineruns", name); }
  std::string RunPhase(const std::string& name);
  std::string TaskPhase(const std::string& run, const std::string& task);
  // Waits (bounded) until the run's phase is `phase`; returns whether it got there.
  bool WaitForRunPhase(const std::string& name, const std::string& phase,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool WaitForTaskPhase(const std::string& run, const std::string& task, const std::string& phase,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::optional<nlohmann::json> Pod(const std::string& name);
  void Advance(std::chrono::seconds by) { cluster_->SetClock(cluster_->clock() + by); }

  std::unique_ptr<SeedCluster> cluster_;
  std::unique_ptr<OperatorProcess> operator_;
  std::unique_ptr<FakeKubelet> kubelet_;
};

}  // namespace seed::pipeline_testing
