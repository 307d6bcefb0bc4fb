// `kubectl apply` of crds/ and examples/ to the test API emulator succeeds (the real kubectl as a
// child process, with a bounded time).
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "kube-emulator/emulator_process.h"
#include "pipeline_testing/bounded_command.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::pipeline_testing {
namespace {

using Outcome = CommandOutcome;

// The test API emulator with a token for kubectl, and kubectl run against it as users run it
// (validation on, its default), bounded in time; the output is what kubectl printed.
struct KubectlSession {
  KubectlSession() : emulator(Options()) {
    kubeconfig = emulator.WriteKubeconfig(emulator.Dir() + "/kubeconfig", "kubectl-token");
    log = emulator.Dir() + "/kubectl.log";
  }
  Outcome Kubectl(std::vector<std::string> args) const {
    args.insert(args.begin(), {"/usr/bin/kubectl", "--kubeconfig", kubeconfig});
    return RunBounded(args, log, std::chrono::seconds(60));
  }
  static kubeemu::EmulatorOptions Options() {
    kubeemu::EmulatorOptions options;
    options.tokens = {{"kubectl-token", "kubectl-user"}};
    return options;
  }

  kubeemu::EmulatorProcess emulator;
  std::string kubeconfig, log;
};

TEST(KubectlApply, CrdsThenExamplesApplyCleanly) {
  const std::string crds = SourceDir() + "/crds";
  const std::string examples = SourceDir() + "/examples";
  KubectlSession session;
  kubeemu::EmulatorProcess& emulator = session.emulator;
  auto kubectl = [&](std::vector<std::string> args) { return session.Kubectl(std::move(args)); };
  Outcome applied_crds = kubectl({"apply", "-f", crds});
  ASSERT_EQ(applied_crds.exit_code, 0) << applied_crds.output;
  for (const char* name : {"jobtemplates.seed.dev", "pipelines.seed.dev", "pipelineruns.seed.dev"}) {
    EXPECT_NE(applied_crds.output.find(name), std::string::npos) << applied_crds.output;
  }
  Outcome applied_examples = kubectl({"apply", "-R", "-f", examples});
  ASSERT_EQ(applied_examples.exit_code, 0) << applied_examples.output;
  EXPECT_NE(applied_examples.output.find("pipeline.seed.dev/"), std::string::npos) << applied_examples.output;
  EXPECT_NE(applied_examples.output.find("jobtemplate.seed.dev/"), std::string::npos)
      << applied_examples.output;
  Outcome listed = kubectl({"get", "pipelines,jobtemplates", "-o", "name"});
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_NE(listed.output.find("pipeline.seed.dev/"), std::string::npos) << listed.output;

  // The wind example moved to a bucket with the documented command (kubectl reads the YAML patch file).
  Outcome patched = kubectl({"patch", "pipeline", "wind-day-ahead", "--type", "merge", "--patch-file",
                             examples + "/wind/s3/day-ahead.patch"});
  ASSERT_EQ(patched.exit_code, 0) << patched.output;
  Outcome got = kubectl({"get", "pipeline", "wind-day-ahead", "-o", "json"});
  ASSERT_EQ(got.exit_code, 0) << got.output;
  const nlohmann::json spec = nlohmann::json::parse(got.output, nullptr, false).value("spec", nlohmann::json());
  EXPECT_FALSE(spec.contains("workspace")) << got.output;
  EXPECT_EQ(spec.value("/artifactRepository/s3/bucket"_json_pointer, std::string()), "seed-artifacts") << got.output;

  // Validation is on: a typo in a field is refused with its path, as a real API server does.
  const std::string typo = emulator.Dir() + "/typo.yaml";
  std::ofstream(typo) << "apiVersion: seed.dev/v1alpha1\nkind: Pipeline\nmetadata: {name: typo}\nspec:\n"
                         "  tasks: [{name: a, templateRef: {name: wind-qc}, dependsOn: []}]\n"
                         "  schedul: {cron: \"@daily\"}\n";
  Outcome refused = kubectl({"apply", "-f", typo});
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("strict decoding error: unknown field \"spec.schedul\""), std::string::npos)
      << refused.output;
  EXPECT_EQ(refused.output.find("dependsOn"), std::string::npos) << refused.output;  // a declared field
}

// Splits `kubectl get` table output into rows of cells at the columns' start positions in the header
// (kubectl aligns every cell under its header; an empty cell stays an empty string).
std::vector<std::vector<std::string>> TableRows(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::vector<size_t> starts;
  if (!lines.empty()) {
    const std::string& header = lines[0];
    for (size_t i = 0; i < header.size(); ++i) {
      // A column starts after two spaces (header names such as "LAST RUN" hold one).
      if (header[i] != ' ' && (i == 0 || (i >= 2 && header[i - 1] == ' ' && header[i - 2] == ' ')))
        starts.push_back(i);
    }
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : lines) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < starts.size(); ++c) {
      size_t from = starts[c];
      size_t to = c + 1 < starts.size() ? starts[c + 1] : std::string::npos;
      std::string cell =
          from < line.size() ? line.substr(from, to == std::string::npos ? to : to - from) : "";
      size_t last = cell.find_last_not_of(' ');
      cells.push_back(last == std::string::npos ? "" : cell.substr(0, last + 1));
    }
    rows.push_back(cells);
  }
  return rows;
}

// The printer columns as `kubectl get` shows them (server-side printing, as a real API server does):
// a Pipeline's NEXT RUN is its next time, never <invalid>; VALID shows an invalid Pipeline; an
// InferenceService's URL and REPLICAS come from the status the operator writes.
TEST(KubectlGet, PrinterColumnsOfPipelinesAndInferenceServices) {
  KubectlSession session;
  kubeemu::EmulatorProcess& emulator = session.emulator;
  auto kubectl = [&](std::vector<std::string> args) { return session.Kubectl(std::move(args)); };
  ASSERT_EQ(kubectl({"apply", "-f", SourceDir() + "/crds"}).exit_code, 0);
  Outcome applied = kubectl({"apply", "-f", SourceDir() + "/examples/wind/templates.yaml", "-f",
                             SourceDir() + "/examples/wind/ultra-short.yaml", "-f",
                             SourceDir() + "/examples/wind/inference-service.yaml"});
  ASSERT_EQ(applied.exit_code, 0) << applied.output;

  // The status the operator would write: scheduled 5 minutes ago, next in 10, and invalid.
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto rfc3339 = [](std::chrono::system_clock::time_point t) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
    return std::string(text);
  };
  const std::string next = rfc3339(now + std::chrono::minutes(10));
  nlohmann::json pipeline =
      emulator.Request("GET", "/apis/seed.dev/v1alpha1/namespaces/default/pipelines/wind-ultra-short");
  pipeline["status"] = {
      {"lastScheduleTime", rfc3339(now - std::chrono::minutes(5))},
      {"nextScheduleTime", next},
      {"conditions",
       nlohmann::json::array({nlohmann::json{{"type", "Valid"},
                                             {"status", "False"},
                                             {"reason", "InvalidSpec"},
                                             {"message", "spec.tasks[0].templateRef.name: no JobTemplate"},
                                             {"lastTransitionTime", rfc3339(now)}}})}};
  emulator.Request("PUT", "/apis/seed.dev/v1alpha1/namespaces/default/pipelines/wind-ultra-short/status",
                   pipeline);

  Outcome got = kubectl({"get", "spl", "wind-ultra-short"});
  ASSERT_EQ(got.exit_code, 0) << got.output;
  auto rows = TableRows(got.output);
  ASSERT_EQ(rows.size(), 2u) << got.output;
  EXPECT_EQ(rows[0],
            (std::vector<std::string>{"NAME", "SCHEDULE", "SUSPEND", "VALID", "LAST RUN", "NEXT RUN", "AGE"}))
      << got.output;
  ASSERT_EQ(rows[1].size(), 7u) << got.output;
  EXPECT_EQ(rows[1][0], "wind-ultra-short");
  EXPECT_EQ(rows[1][1], "*/15 * * * *");
  EXPECT_EQ(rows[1][2], "");  // the emulator does not apply the schema's defaults (an API server shows false)
  EXPECT_EQ(rows[1][3], "False");
  EXPECT_TRUE(rows[1][4] == "5m" || rows[1][4] == "5m1s" || rows[1][4] == "5m2s") << got.output;
  EXPECT_EQ(rows[1][5], next) << "NEXT RUN is the time itself; a date column would print <invalid>";
  EXPECT_EQ(got.output.find("<invalid>"), std::string::npos) << got.output;

  // InferenceService: URL, SERVING, ROLLOUT and REPLICAS from the status (3 desired, while a rollout
  // runs 4 pods).
  nlohmann::json isvc =
      emulator.Request("GET", "/apis/seed.dev/v1alpha1/namespaces/default/inferenceservices");
  ASSERT_FALSE(isvc["items"].empty());
  nlohmann::json service = isvc["items"][0];
  const std::string name = service["metadata"]["name"];
  service["status"] = {
      {"url", "http://serving-wind-wf01.default.svc.cluster.local"},
      {"servingVersion", "v2.1"},
      {"rollout", {{"toVersion", "v2.1"}, {"phase", "Complete"}, {"generation", 1}}},
      {"replicas", 3},
      {"readyReplicas", 3},
      {"conditions", nlohmann::json::array({nlohmann::json{{"type", "Ready"},
                                                           {"status", "True"},
                                                           {"reason", "MinimumReplicasAvailable"},
                                                           {"message", "3 of 3 replicas ready"},
                                                           {"lastTransitionTime", rfc3339(now)}}})}};
  emulator.Request("PUT", "/apis/seed.dev/v1alpha1/namespaces/default/inferenceservices/" + name + "/status",
                   service);
  Outcome isvc_got = kubectl({"get", "sisvc", name, "-o", "wide"});
  ASSERT_EQ(isvc_got.exit_code, 0) << isvc_got.output;
  rows = TableRows(isvc_got.output);
  ASSERT_EQ(rows.size(), 2u) << isvc_got.output;
  EXPECT_EQ(rows[0], (std::vector<std::string>{"NAME", "URL", "READY", "SERVING", "ROLLOUT", "REPLICAS",
                                               "MODEL", "VERSION", "AGE"}))
      << isvc_got.output;
  ASSERT_EQ(rows[1].size(), 9u) << isvc_got.output;
  EXPECT_EQ(rows[1][1], "http://serving-wind-wf01.default.svc.cluster.local");
  EXPECT_EQ(rows[1][2], "True");
  EXPECT_EQ(rows[1][3], "v2.1");
  EXPECT_EQ(rows[1][4], "Complete");
  EXPECT_EQ(rows[1][5], "3");
}

}  // namespace
}  // namespace seed::pipeline_testing
