// The `seed` executable, driven as a user would. Every process the test starts has exited when
// the helper returns (popen + pclose).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "api/yaml_json.h"

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Result Seed(const std::string& args) {
  std::string command = std::string(SEED_CLI) + " " + args + " 2>&1";
  Result result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

const std::string kOk = std::string(SEED_CLI_TESTDATA) + "/ok";
const std::string kBad = std::string(SEED_CLI_TESTDATA) + "/bad";

TEST(SeedValidateTest, ValidFiles) {
  auto result = Seed("validate " + kOk);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output,
            "valid: 2 JobTemplate(s), 2 Pipeline(s), 0 PipelineRun(s), 0 InferenceService(s)\n");
}

const std::string kIsvc = std::string(SEED_CLI_TESTDATA) + "/isvc";
const std::string kIsvcBad = std::string(SEED_CLI_TESTDATA) + "/isvc-bad";

TEST(SeedValidateTest, InferenceServicesAreCheckedAsTheOperatorChecksThem) {
  auto ok = Seed("validate " + kIsvc + " " + kOk);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output, "valid: 2 JobTemplate(s), 2 Pipeline(s), 0 PipelineRun(s), 1 InferenceService(s)\n");
  auto bad = Seed("validate " + kIsvcBad);
  EXPECT_EQ(bad.exit_code, 2);
  const std::string file = kIsvcBad + "/services.yaml";
  // A spec error with file, line and field path; a clash of the stable names the operator would refuse.
  EXPECT_NE(
      bad.output.find(file + ":13: InferenceService/wind-c: spec.rollout.steps[1]: steps must increase"),
      std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find(file + ":13: InferenceService/wind-c: spec.rollout: needs host"),
            std::string::npos)
      << bad.output;
  EXPECT_NE(
      bad.output.find(file + ":7: InferenceService/wind-b: its children would be named serving-wind-wf01, as "
                             "those of InferenceService/wind-a"),
      std::string::npos)
      << bad.output;
  EXPECT_NE(bad.output.find("3 errors"), std::string::npos) << bad.output;
}

TEST(SeedRenderTest, PrintsAnInferenceServicesChildren) {
  auto result =
      Seed("render " + kIsvc + " --namespace plants --gateway-parent-ref gateway-system/seed-gateway");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto docs = seed::api::ParseYamlDocuments(result.output);
  std::vector<std::string> kinds;
  for (const auto& doc : docs) {
    kinds.push_back(doc.value["kind"].get<std::string>() + " " +
                    doc.value["metadata"]["name"].get<std::string>());
    EXPECT_EQ(doc.value["metadata"]["namespace"], "plants");
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{
                       "Deployment serving-wind-wf01-22", "Service serving-wind-wf01-22",
                       "Service serving-wind-wf01", "Service serving-wind-wf01-external",
                       "HorizontalPodAutoscaler serving-wind-wf01-22", "HTTPRoute serving-wind-wf01"}));
  EXPECT_EQ(docs[5].value["spec"]["parentRefs"][0]["name"], "seed-gateway");
  // As for a cluster without the Gateway API: no HTTPRoute.
  auto plain = Seed("render " + kIsvc + " --no-gateway-api");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output.find("kind: HTTPRoute"), std::string::npos);
  EXPECT_NE(plain.output.find("namespace: default"), std::string::npos);
  // Asking for one that is not there names it; an invalid one renders nothing.
  auto missing = Seed("render " + kIsvc + " --inference-service nope");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("no InferenceService nope"), std::string::npos) << missing.output;
  EXPECT_EQ(Seed("render " + kIsvcBad).exit_code, 2);
}

TEST(SeedValidateTest, EveryErrorWithFileLineAndFieldPath) {
  auto result = Seed("validate " + kBad);
  EXPECT_EQ(result.exit_code, 2);
  std::string file = kBad + "/broken.yaml";
  EXPECT_NE(
      result.output.find(file + ":10: Pipeline/broken: spec.tasks[1].dependsOn[0]: unknown task \"zz\""),
      std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(file + ":11: Pipeline/broken: spec.schedule.cron: 6 fields given"),
            std::string::npos)
      << result.output;
  EXPECT_NE(
      result.output.find(
          file + ":7: Pipeline/broken: spec.tasks[0].templateRef.name: JobTemplate \"nowhere\" not found"),
      std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("4 errors"), std::string::npos) << result.output;
}

TEST(SeedValidateTest, MissingPathIsAnError) {
  auto result = Seed("validate /nonexistent/seed.yaml");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("/nonexistent/seed.yaml: no such file or directory"), std::string::npos);
}

TEST(SeedRenderTest, PrintsThePvcAndEveryTaskPod) {
  auto result =
      Seed("render " + kOk + " --run-name demo-1 --scheduled-time 2026-11-22T16:15:00Z --namespace plants");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto docs = seed::api::ParseYamlDocuments(result.output);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].value["kind"], "PersistentVolumeClaim");
  EXPECT_EQ(docs[0].value["metadata"]["name"], "demo-1-workspace");
  EXPECT_EQ(docs[1].value["metadata"]["name"], "demo-1-produce-1");
  EXPECT_EQ(docs[1].value["spec"]["containers"][0]["args"][0], "/seed/workspace/demo-1/produce/data");
  EXPECT_EQ(docs[1].value["spec"]["containers"][0]["args"][1], "2026-11-24");
  // An artifact with a file name gets it (and its extension) in the cluster as locally.
  EXPECT_EQ(docs[1].value["spec"]["containers"][0]["args"][2], "/seed/workspace/demo-1/produce/page.html");
  EXPECT_EQ(docs[1].value["spec"]["activeDeadlineSeconds"], 60);
  EXPECT_EQ(docs[2].value["metadata"]["name"], "demo-1-check-1");
  // A value output of an unfinished task stays the placeholder the operator fills in later.
  EXPECT_EQ(docs[2].value["spec"]["containers"][0]["args"][1], "{{tasks.produce.outputs.rows}}");
  EXPECT_EQ(docs[2].value["spec"]["containers"][0]["args"][0], "/seed/workspace/demo-1/produce/data");
}

TEST(SeedRenderTest, SeveralPipelinesNeedAChoiceWithoutADefault) {
  auto result =
      Seed("render " + kOk + "/templates.yaml " + kOk + "/pipeline.yaml --pipeline other --run-name x");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("name: x-only-1"), std::string::npos);
}

class SeedRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workspace_ = fs::temp_directory_path() / ("seed-cli-test-" + std::to_string(::getpid()));
    fs::remove_all(workspace_);
  }
  void TearDown() override { fs::remove_all(workspace_); }
  fs::path workspace_;
};

TEST_F(SeedRunTest, RunsTheDefaultPipelineAndPrintsOutputs) {
  auto result =
      Seed("run " + kOk + " --plain --run-name demo-1 --scheduled-time 2026-11-22T16:15:00Z --workspace " +
           workspace_.string());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("mae=1.25  rows=96"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("run Succeeded"), std::string::npos) << result.output;
  EXPECT_TRUE(fs::exists(workspace_ / "demo-1" / "produce" / "data"));
  // The summary says where the results are: every artifact, and the HTML report on the last line.
  const std::string run_dir = fs::absolute(workspace_ / "demo-1").lexically_normal().string();
  EXPECT_NE(result.output.find("artifacts:\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("produce.data"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(run_dir + "/produce/data\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("report: " + run_dir + "/produce/page.html\n"), std::string::npos)
      << result.output;
  EXPECT_TRUE(fs::exists(workspace_ / "demo-1" / "produce" / "page.html"));
}

TEST(SeedValidateTest, FileOnlyForArtifactsAndAPlainName) {
  const fs::path dir = fs::temp_directory_path() / ("seed-cli-file-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "t.yaml") << R"(apiVersion: seed.dev/v1alpha1
kind: JobTemplate
metadata: {name: t}
spec:
  command: [seed-job, report]
  outputs:
  - {name: a, kind: artifact, file: ../escape.html}
  - {name: v, kind: value, file: v.txt}
  - {name: b, kind: artifact, file: same.csv}
  - {name: c, kind: artifact, file: same.csv}
)";
  auto result = Seed("validate " + (dir / "t.yaml").string());
  fs::remove_all(dir);
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("spec.outputs[0].file: \"../escape.html\" is not a plain file name"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("spec.outputs[1].file: only artifact outputs have a file"), std::string::npos)
      << result.output;
  EXPECT_NE(
      result.output.find("spec.outputs[3].file: two artifact outputs would write the same file \"same.csv\""),
      std::string::npos)
      << result.output;
}

TEST_F(SeedRunTest, FailureExitsNonZeroAndShowsTheLogTail) {
  auto result =
      Seed("run " + kOk + " --plain --run-name demo-2 --set limit=10 --workspace " + workspace_.string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("check: Failed: exit code 1"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("last lines of"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("data for "), std::string::npos) << result.output;
}

TEST_F(SeedRunTest, BadSetIsRejectedBeforeAnythingRuns) {
  auto result = Seed("run " + kOk + " --set limit=abc --workspace " + workspace_.string());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("--set.limit: \"abc\" is not an integer"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(workspace_ / "demo-1"));
}

}  // namespace

namespace {

// A run that resumes another takes that run's params: `seed validate` does not ask it for the
// pipeline's required params, and refuses params given beside resumeFrom.
TEST(SeedValidateTest, AResumeFromRunTakesNoParams) {
  const fs::path dir = fs::temp_directory_path() / ("seed-cli-resume-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "p.yaml") << R"(apiVersion: seed.dev/v1alpha1
kind: JobTemplate
metadata: {name: t}
spec:
  command: [seed-job, report]
  args: ["{{params.day}}"]
  params: [{name: day, required: true}]
---
apiVersion: seed.dev/v1alpha1
kind: Pipeline
metadata: {name: p}
spec:
  params: [{name: day, required: true}]
  tasks: [{name: a, templateRef: {name: t}, params: {day: "{{pipeline.params.day}}"}}]
---
apiVersion: seed.dev/v1alpha1
kind: PipelineRun
metadata: {name: p-2}
spec:
  pipelineRef: {name: p}
  resumeFrom: {name: p-1}
)";
  auto ok = Seed("validate " + (dir / "p.yaml").string());
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("1 PipelineRun(s)"), std::string::npos) << ok.output;
  std::ofstream(dir / "p.yaml", std::ios::app) << "  params: {day: \"2026-11-23\"}\n";
  auto refused = Seed("validate " + (dir / "p.yaml").string());
  fs::remove_all(dir);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("spec.params: a run with resumeFrom takes the params of the run it resumes"),
            std::string::npos)
      << refused.output;
}

}  // namespace
