// End to end: the test API emulator, the operator (a child process) and the local pod runner run
// the whole wind day-ahead pipeline with the real seed-job kernels, and the report comes out.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "io/csv.h"
#include "kernels/reliability.h"
#include "kube/curl_transport.h"
#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"
#include "promtool/promtool.h"
#include "runner/local_pod_runner.h"

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

// The file of a task's artifact output in a run's directory, whatever its extension.
std::string ArtifactPath(const std::string& run_dir, const std::string& task, const std::string& output) {
  for (const auto& entry : std::filesystem::directory_iterator(run_dir + "/" + task)) {
    if (entry.path().stem() == output) return entry.path().string();
  }
  return run_dir + "/" + task + "/" + output;
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
    options.extra_args = {"--log-format", "json"};  // MetricsText reads the metrics port from the log
    return options;
  }

 public:
  // GET /metrics of the operator (its port from the "serving" log line); "" until it serves.
  std::string MetricsText() const {
    std::istringstream lines(ReadAll(cluster_.Dir() + "/operator.log"));
    int port = 0;
    for (std::string line; std::getline(lines, line);) {
      json entry = json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("msg", "") == "serving" &&
          entry.value("endpoints", "") == "metrics")
        port = std::stoi(entry.value("port", "0"));
    }
    if (port == 0) return "";
    auto http = kube::MakeCurlTransport({});
    kube::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
    auto response = http->Do(request, kube::CancelToken());
    return response.ok() && response->status == 200 ? response->body : "";
  }

 private:
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
  // The run's metrics, after real traffic: Prometheus' linter accepts the whole exposition, and the
  // run, its tasks and the Pipeline's state are there with their labels.
  const std::string run_count =
      "seed_pipelinerun_duration_seconds_count{namespace=\"default\",pipeline=\"e2e-wind-day-ahead\","
      "phase=\"Succeeded\"} 1\n";
  std::string metrics;
  EXPECT_TRUE(WaitUntil(
      [&] {
        metrics = e2e.MetricsText();
        return metrics.find(run_count) != std::string::npos;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50)))
      << metrics;
  EXPECT_NE(
      metrics.find("seed_task_duration_seconds_count{namespace=\"default\",pipeline=\"e2e-wind-day-ahead\","
                   "task=\"qc\",phase=\"Succeeded\"} 1\n"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("seed_pipeline_runs{namespace=\"default\",pipeline=\"e2e-wind-day-ahead\","
                         "phase=\"Succeeded\"} 1\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find(
          "seed_pipeline_consecutive_failed_runs{namespace=\"default\",pipeline=\"e2e-wind-day-ahead\"} 0\n"),
      std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("controller_runtime_reconcile_total{"), std::string::npos) << metrics;
  promtool::CheckResult checked = promtool::CheckMetrics(metrics);
  EXPECT_TRUE(checked.ok) << checked.output;

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

  // Calibration of every quantile of the example's forecast on its held-out days: each level within
  // 4 points of its hit-rate range, and none a flat slab (kernels/reliability.h).
  const std::string run_dir = e2e.workspace() + "/day-ahead-e2e";
  const io::Frame forecast = io::ReadCsv(ArtifactPath(run_dir, "forecast", "forecast"));
  const io::Frame actual = io::ReadCsv(ArtifactPath(run_dir, "qc", "clean"));
  std::vector<double> levels;
  std::vector<const std::vector<double>*> columns;
  for (size_t c = 0; c < forecast.names.size(); ++c) {
    const std::string& name = forecast.names[c];
    if (name.size() > 1 && name[0] == 'p' && std::isdigit(static_cast<unsigned char>(name[1]))) {
      levels.push_back(std::stod(name.substr(1)) / 100);
      columns.push_back(&forecast.columns[c]);
    }
  }
  ASSERT_EQ(levels.size(), 19u) << "the example forecasts 0.05:0.95:0.05";
  const auto median = static_cast<size_t>(std::find(levels.begin(), levels.end(), 0.5) - levels.begin());
  kernels::ReliabilityTable table(levels, median);
  const std::vector<double>& power = actual.Column("power_mw");
  const std::vector<double>* flags = actual.Has("qc_flag") ? &actual.Column("qc_flag") : nullptr;
  std::vector<double> row(levels.size());
  for (size_t f = 0, a = 0; f < forecast.Rows(); ++f) {
    while (a < actual.Rows() && actual.time[a] < forecast.time[f]) ++a;
    if (a == actual.Rows() || actual.time[a] != forecast.time[f]) continue;
    if (flags && std::isfinite((*flags)[a]) && (static_cast<int>((*flags)[a]) & (2 | 16))) continue;
    for (size_t q = 0; q < levels.size(); ++q) row[q] = (*columns[q])[f];
    table.Add(row.data(), power[a], 100.0);
  }
  for (const kernels::QuantileReliability& r : table.Finish()) {
    std::cout << "  p" << r.tau * 100 << ": hit rate " << r.below_rate << "-" << r.hit_rate << ", gap " << r.gap
              << ", constant share " << r.constant_share << "\n";
    // A quantile is right when its level lies between the shares of actuals strictly below it and at
    // or below it (they differ where calm hours tie a quantile of 0). Measured: every level within
    // 3.8 points of that range on the example's 60 scored days (p55 the worst).
    EXPECT_LE(r.gap, 0.04) << "quantile " << r.tau << " over " << r.points << " points: hit rate "
                           << r.below_rate << " to " << r.hit_rate;
    EXPECT_FALSE(r.degenerate) << "quantile " << r.tau << " is one value on " << 100 * r.constant_share
                               << " % of the points where the median is above 5 % of capacity";
  }
}

}  // namespace
}  // namespace seed::e2e
