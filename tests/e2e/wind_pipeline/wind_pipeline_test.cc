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

// A cluster whose pods run on this machine, the operator running against it.
class EndToEnd {
 public:
  EndToEnd() : runner_(RunnerOptions(cluster_)), operator_(OperatorOptionsFor(cluster_)) {}

  SeedCluster& cluster() { return cluster_; }
  LocalPodRunner& runner() { return runner_; }
  std::string workspace() const { return cluster_.Dir() + "/workspace"; }

  // Creates a PipelineRun of `pipeline` and waits until it ends; returns its status. The pods'
  // logs (the first `log_bytes` of each) go to *logs for failure messages.
  json RunToTheEnd(const std::string& run, const std::string& pipeline, size_t log_bytes, std::string* logs) {
    cluster_.Apply(json({{"apiVersion", "seed.dev/v1alpha1"},
                         {"kind", "PipelineRun"},
                         {"metadata", {{"name", run}}},
                         {"spec", {{"pipelineRef", {{"name", pipeline}}}}}})
                       .dump());
    auto status = [&] { return cluster_.Get("pipelineruns", run).value("status", json::object()); };
    WaitUntil([&] { std::string phase = status().value("phase", ""); return phase == "Succeeded" || phase == "Failed"; },
              std::chrono::seconds(400), std::chrono::milliseconds(200));
    for (const auto& pod : runner_.Started()) logs->append("--- " + pod + "\n" + runner_.LogOf(pod).substr(0, log_bytes) + "\n");
    return status();
  }

 private:
  static LocalPodRunnerOptions RunnerOptions(const SeedCluster& cluster) {
    LocalPodRunnerOptions options;
    options.kubeconfig = cluster.kubelet_kubeconfig();
    options.workspace_dir = cluster.Dir() + "/workspace";
    options.scratch_dir = cluster.Dir() + "/pods";
    options.programs = {{"seed-job", SEED_JOB_PATH}};
    return options;
  }
  static OperatorOptions OperatorOptionsFor(const SeedCluster& cluster) {
    OperatorOptions options;
    options.kubeconfig = cluster.operator_kubeconfig();
    options.log_path = cluster.Dir() + "/operator.log";
    return options;
  }

  SeedCluster cluster_;
  LocalPodRunner runner_;
  OperatorProcess operator_;
};

TEST(WindPipelineEndToEnd, RunsEveryTaskWithTheRealKernelsAndWritesTheReport) {
  EndToEnd e2e;
  e2e.cluster().ApplyFile(pipeline_testing::SourceDir() + "/tests/e2e/wind_pipeline/testdata/wind.yaml");
  std::string logs;
  json status = e2e.RunToTheEnd("wind-e2e", "e2e-wind-day-ahead", std::string::npos, &logs);
  ASSERT_EQ(status.value("phase", ""), "Succeeded") << status.dump(2) << "\n" << logs;

  EXPECT_EQ(status["progress"], "8/8");
  EXPECT_EQ(e2e.runner().Started().size(), 8u);
  const std::string report = e2e.workspace() + "/wind-e2e/report/report";
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
  EndToEnd e2e;
  e2e.cluster().ApplyDir(pipeline_testing::SourceDir() + "/examples/wind");
  std::string logs;
  json status = e2e.RunToTheEnd("day-ahead-e2e", "wind-day-ahead", 2000, &logs);
  ASSERT_EQ(status.value("phase", ""), "Succeeded") << status.dump(2) << "\n" << logs;
  std::vector<std::string> reports;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(e2e.workspace())) {
    if (entry.path().string().find("/day-ahead-e2e/report/") != std::string::npos && entry.is_regular_file()) {
      reports.push_back(entry.path().string());
    }
  }
  ASSERT_FALSE(reports.empty()) << logs;
  std::string html = ReadAll(reports.front());
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("wf01 day-ahead forecast, run day-ahead-e2e"), std::string::npos);
  std::cout << "examples/wind day-ahead: " << status["progress"].get<std::string>() << " tasks, report "
            << reports.front().substr(e2e.workspace().size()) << " (" << html.size() << " bytes)\n";
}

}  // namespace
}  // namespace seed::e2e
