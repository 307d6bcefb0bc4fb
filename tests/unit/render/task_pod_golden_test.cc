// Task pods as the operator creates them, compared whole with golden files: the restricted
// defaults, and every pod-level setting a Pipeline's podDefaults and a JobTemplate can give
// (imagePullSecrets, priorityClassName, serviceAccountName, affinity, pod and container
// securityContext), the template winning field by field.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/yaml_json.h"
#include "render/task_pod.h"

namespace seed::render {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Compares with golden/task_pod/<name>.yaml; SEED_UPDATE_GOLDEN=1 rewrites the file (review the
// diff before committing it).
void ExpectGolden(const std::string& name, const std::string& actual) {
  const fs::path file = fs::path(__FILE__).parent_path() / "golden" / "task_pod" / (name + ".yaml");
  if (std::getenv("SEED_UPDATE_GOLDEN")) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << actual;
  }
  std::ifstream in(file);
  ASSERT_TRUE(in) << file << " is missing; run with SEED_UPDATE_GOLDEN=1 to create it";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden " << file
                                    << " differs; if the change is intended, rerun with "
                                       "SEED_UPDATE_GOLDEN=1 and review the diff";
}

std::string RenderYaml(const std::string& pipeline_yaml, const std::string& template_yaml) {
  api::ValidationErrors errors;
  api::PipelineSpec pipeline =
      api::ParsePipelineSpec(api::ParseYamlDocuments(pipeline_yaml).at(0).value, "spec", &errors);
  api::JobTemplateSpec spec =
      api::ParseJobTemplateSpec(api::ParseYamlDocuments(template_yaml).at(0).value, "spec", &errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : api::FormatError(errors[0]));
  TaskPodInput input;
  input.run.name = "wind-ultra-short-29922735";
  input.run.namespace_ = "plants";
  input.run.uid = "uid-1";
  input.pipeline_name = "wind-ultra-short";
  input.pipeline = &pipeline;
  input.task = "forecast";
  input.attempt = 1;
  input.spec = &spec;
  input.scheduled_time = "2026-11-22T16:15:00Z";
  RenderOptions options;
  options.default_image = "registry.example.com/seed-job:0.1.0";
  return "---\n" + api::JsonToYaml(RenderTaskPod(input, options));
}

constexpr char kTasks[] = "tasks: [{name: forecast, templateRef: {name: wind-forecast}}]\n";
constexpr char kTemplate[] = "command: [seed-job, forecast]\n";

TEST(TaskPodGoldenTest, RestrictedDefaults) { ExpectGolden("defaults", RenderYaml(kTasks, kTemplate)); }

TEST(TaskPodGoldenTest, PodDefaultsAndTemplatePodFields) {
  const std::string pipeline = std::string(kTasks) + R"(
podDefaults:
  imagePullSecrets: [{name: regcred}, {name: mirror}]
  priorityClassName: forecast-batch
  serviceAccountName: forecaster
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: pool, operator: In, values: [batch]}]
  podSecurityContext: {runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, supplementalGroups: [4000]}
  securityContext: {readOnlyRootFilesystem: false}
)";
  const std::string over = std::string(kTemplate) + R"(
imagePullSecrets: [{name: mirror}, {name: private-models}]
priorityClassName: forecast-critical
serviceAccountName: model-reader
podSecurityContext: {fsGroup: 2000}
securityContext: {runAsUser: 1001}
)";
  // podDefaults alone: every field reaches the pod, over the restricted defaults.
  ExpectGolden("pod_defaults", RenderYaml(pipeline, kTemplate));
  // A template over them: its names win, secrets are the union, security contexts merge per key,
  // and the podDefaults' affinity stays since the template sets none.
  ExpectGolden("pod_defaults_and_template", RenderYaml(pipeline, over));
}

json PodSpecOf(const std::string& pipeline_yaml, const std::string& template_yaml) {
  return api::ParseYamlDocuments(RenderYaml(pipeline_yaml, template_yaml)).at(0).value["spec"];
}

TEST(TaskPodGoldenTest, NoApiTokenUnlessAServiceAccountOrTheFieldAsksForOne) {
  // No task needs the Kubernetes API: the namespace's default account's token stays out.
  EXPECT_EQ(PodSpecOf(kTasks, kTemplate)["automountServiceAccountToken"], json(false));
  // A named account decides for itself (its own automountServiceAccountToken), from either level.
  json named = PodSpecOf(kTasks, std::string(kTemplate) + "serviceAccountName: model-reader\n");
  EXPECT_FALSE(named.contains("automountServiceAccountToken")) << named.dump();
  json from_defaults =
      PodSpecOf(std::string(kTasks) + "podDefaults: {serviceAccountName: forecaster}\n", kTemplate);
  EXPECT_FALSE(from_defaults.contains("automountServiceAccountToken")) << from_defaults.dump();
  // The explicit field wins either way; the template's over the podDefaults'.
  EXPECT_EQ(PodSpecOf(std::string(kTasks) + "podDefaults: {automountServiceAccountToken: true}\n",
                      kTemplate)["automountServiceAccountToken"],
            json(true));
  EXPECT_EQ(
      PodSpecOf(
          std::string(kTasks) + "podDefaults: {automountServiceAccountToken: true}\n",
          std::string(kTemplate) +
              "serviceAccountName: a\nautomountServiceAccountToken: false\n")["automountServiceAccountToken"],
      json(false));
}

TEST(TaskPodGoldenTest, BadPodFieldsAreErrorsNamingTheField) {
  api::ValidationErrors errors;
  api::ParsePipelineSpec(api::ParseYamlDocuments(std::string(kTasks) + R"(
podDefaults:
  imagePullSecrets: [regcred, {name: Bad_Name}]
  priorityClassName: "High Priority"
  podSecurityContext: [runAsUser]
)")
                             .at(0)
                             .value,
                         "spec", &errors);
  std::string all;
  for (const auto& error : errors) all += api::FormatError(error) + "\n";
  EXPECT_NE(all.find("spec.podDefaults.imagePullSecrets[0]: must be {name: SECRET}"), std::string::npos)
      << all;
  EXPECT_NE(all.find("spec.podDefaults.imagePullSecrets[1].name: \"Bad_Name\" is not a valid Secret name"),
            std::string::npos)
      << all;
  EXPECT_NE(
      all.find("spec.podDefaults.priorityClassName: \"High Priority\" is not a valid PriorityClass name"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("spec.podDefaults.podSecurityContext"), std::string::npos) << all;

  errors.clear();
  api::ParseJobTemplateSpec(
      api::ParseYamlDocuments(std::string(kTemplate) + "serviceAccountName: Trainer\n").at(0).value, "spec",
      &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.serviceAccountName");
}

}  // namespace
}  // namespace seed::render
