// End to end: the test API emulator, the operator (a child process) and the local pod runner run
// the whole wind day-ahead pipeline with the real seed-job kernels, and the report comes out.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "runner/local_pod_runner.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::e2e {
namespace {

using nlohmann::json;
using pipeline_testing::OperatorOptions;
using pipeline_testing::OperatorProcess;
using pipeline_testing::SeedCluster;
using pipeline_testing::WaitUntil;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WindPipelineEndToEnd, RunsEveryTaskWithTheRealKernelsAndWritesTheReport) {
  SeedCluster cluster;
  cluster.ApplyFile(pipeline_testing::SourceDir() + "/tests/e2e/wind_pipeline/testdata/wind.yaml");
  LocalPodRunnerOptions runner_options;
  runner_options.kubeconfig = cluster.kubelet_kubeconfig();
  runner_options.workspace_dir = cluster.Dir() + "/workspace";
  runner_options.scratch_dir = cluster.Dir() + "/pods";
  runner_options.programs = {{"seed-job", SEED_JOB_PATH}};
  LocalPodRunner runner(runner_options);
  OperatorOptions operator_options;
  operator_options.kubeconfig = cluster.operator_kubeconfig();
  operator_options.log_path = cluster.Dir() + "/operator.log";
  OperatorProcess seed_operator(operator_options);

  cluster.Apply(json({{"apiVersion", "seed.dev/v1alpha1"},
                      {"kind", "PipelineRun"},
                      {"metadata", {{"name", "wind-e2e"}}},
                      {"spec", {{"pipelineRef", {{"name", "e2e-wind-day-ahead"}}}}}})
                    .dump());
  auto phase = [&] { return cluster.Get("pipelineruns", "wind-e2e").value("status", json::object()).value("phase", ""); };
  bool finished = WaitUntil([&] { return phase() == "Succeeded" || phase() == "Failed"; }, std::chrono::seconds(400),
                            std::chrono::milliseconds(200));
  json status = cluster.Get("pipelineruns", "wind-e2e").value("status", json::object());
  std::string logs;
  for (const auto& pod : runner.Started()) logs += "--- " + pod + "\n" + runner.LogOf(pod) + "\n";
  ASSERT_TRUE(finished) << status.dump(2);
  ASSERT_EQ(phase(), "Succeeded") << status.dump(2) << "\n" << logs;

  EXPECT_EQ(status["progress"], "8/8");
  EXPECT_EQ(runner.Started().size(), 8u);
  const std::string report = runner_options.workspace_dir + "/wind-e2e/report/report";
  ASSERT_TRUE(std::filesystem::exists(report)) << logs;
  std::string html = ReadAll(report);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Wind day-ahead forecast"), std::string::npos);
  double accuracy = std::stod(status["tasks"]["evaluate"]["outputs"]["accuracy"].get<std::string>());
  EXPECT_GT(accuracy, 0.5);
  EXPECT_LE(accuracy, 1.0);
  std::cout << "wind e2e: accuracy " << accuracy << ", qualification "
            << status["tasks"]["evaluate"]["outputs"]["qualification"].get<std::string>() << ", qc kept "
            << status["tasks"]["qc"]["outputs"]["kept_fraction"].get<std::string>() << ", report " << html.size()
            << " bytes\n";
}

// The example itself (examples/wind): its day-ahead Pipeline run once by hand through the operator.
TEST(WindPipelineEndToEnd, ExampleDayAheadPipelineRunsThroughTheOperator) {
  SeedCluster cluster;
  cluster.ApplyDir(pipeline_testing::SourceDir() + "/examples/wind");
  LocalPodRunnerOptions runner_options;
  runner_options.kubeconfig = cluster.kubelet_kubeconfig();
  runner_options.workspace_dir = cluster.Dir() + "/workspace";
  runner_options.scratch_dir = cluster.Dir() + "/pods";
  runner_options.programs = {{"seed-job", SEED_JOB_PATH}};
  LocalPodRunner runner(runner_options);
  OperatorOptions operator_options;
  operator_options.kubeconfig = cluster.operator_kubeconfig();
  operator_options.log_path = cluster.Dir() + "/operator.log";
  OperatorProcess seed_operator(operator_options);
  cluster.Apply(json({{"apiVersion", "seed.dev/v1alpha1"},
                      {"kind", "PipelineRun"},
                      {"metadata", {{"name", "day-ahead-e2e"}}},
                      {"spec", {{"pipelineRef", {{"name", "wind-day-ahead"}}}}}})
                    .dump());
  auto phase = [&] {
    return cluster.Get("pipelineruns", "day-ahead-e2e").value("status", json::object()).value("phase", "");
  };
  bool finished = WaitUntil([&] { return phase() == "Succeeded" || phase() == "Failed"; }, std::chrono::seconds(400),
                            std::chrono::milliseconds(200));
  json status = cluster.Get("pipelineruns", "day-ahead-e2e").value("status", json::object());
  std::string logs;
  for (const auto& pod : runner.Started()) logs += "--- " + pod + "\n" + runner.LogOf(pod).substr(0, 2000) + "\n";
  ASSERT_TRUE(finished) << status.dump(2);
  ASSERT_EQ(phase(), "Succeeded") << status.dump(2) << "\n" << logs;
  std::vector<std::string> reports;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(runner_options.workspace_dir)) {
    if (entry.path().string().find("/day-ahead-e2e/report/") != std::string::npos && entry.is_regular_file()) {
      reports.push_back(entry.path().string());
    }
  }
  ASSERT_FALSE(reports.empty()) << logs;
  std::string html = ReadAll(reports.front());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("wf01 day-ahead forecast, run day-ahead-e2e"), std::string::npos);
  std::cout << "examples/wind day-ahead: " << status["progress"].get<std::string>() << " tasks, report "
            << reports.front().substr(runner_options.workspace_dir.size()) << " (" << html.size() << " bytes)\n";
}

}  // namespace
}  // namespace seed::e2e
