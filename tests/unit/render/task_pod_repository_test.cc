// Task pods of a Pipeline with an artifact repository: no workspace volume, the repository Secret
// mounted read-only as seed-job's credentials directory, the SEED_S3_* settings, SEED_WORKSPACE the
// bucket root; compared whole with a golden file. And the repository's validation messages.
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

std::string Golden(const std::string& name, const std::string& actual) {
  const fs::path file = fs::path(__FILE__).parent_path() / "golden" / "task_pod" / (name + ".yaml");
  if (std::getenv("SEED_UPDATE_GOLDEN")) std::ofstream(file) << actual;
  std::ifstream in(file);
  std::stringstream expected;
  expected << in.rdbuf();
  return expected.str();
}

api::PipelineSpec Parse(const std::string& yaml, api::ValidationErrors* errors) {
  return api::ParsePipelineSpec(api::ParseYamlDocuments(yaml).at(0).value, "spec", errors);
}

std::string AllErrors(const std::string& yaml) {
  api::ValidationErrors errors;
  Parse(yaml, &errors);
  std::string all;
  for (const auto& error : errors) all += api::FormatError(error) + "\n";
  return all;
}

constexpr char kPipeline[] = R"(tasks: [{name: forecast, templateRef: {name: wind-forecast}}]
artifactRepository:
  s3:
    endpoint: https://minio.storage:9000
    bucket: seed-artifacts
    keyPrefix: /wind/
    region: eu-central-1
    secretRef: {name: seed-s3}
    caSecretRef: {name: storage-ca}
podDefaults:
  env: [{name: SEED_S3_ENDPOINT, value: http://elsewhere:9000}, {name: TZ, value: Asia/Shanghai}]
)";

std::string RenderYaml(const std::string& pipeline_yaml) {
  api::ValidationErrors errors;
  api::PipelineSpec pipeline = Parse(pipeline_yaml, &errors);
  api::JobTemplateSpec spec = api::ParseJobTemplateSpec(
      api::ParseYamlDocuments(
          "command: [seed-job, forecast]\nargs: [--out, s3://seed-artifacts/wind/r/forecast/f.csv]\n")
          .at(0)
          .value,
      "spec", &errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : api::FormatError(errors[0]));
  TaskPodInput input;
  input.run.name = "wind-day-ahead-29922735";
  input.run.namespace_ = "plants";
  input.run.uid = "uid-1";
  input.pipeline_name = "wind-day-ahead";
  input.pipeline = &pipeline;
  input.task = "forecast";
  input.spec = &spec;
  input.scheduled_time = "2026-11-22T16:15:00Z";
  return "---\n" + api::JsonToYaml(RenderTaskPod(input, RenderOptions{}));
}

TEST(TaskPodRepositoryTest, NoWorkspaceVolumeTheSecretAsCredentialsDirAndTheSettingsInEnv) {
  const std::string yaml = RenderYaml(kPipeline);
  EXPECT_EQ(yaml, Golden("artifact_repository", yaml))
      << "rerun with SEED_UPDATE_GOLDEN=1 and review the diff";
  json spec = api::ParseYamlDocuments(yaml).at(0).value["spec"];
  for (const auto& volume : spec["volumes"]) {
    EXPECT_NE(volume["name"], "seed-workspace");
    EXPECT_FALSE(volume.contains("persistentVolumeClaim"));
  }
  std::map<std::string, std::string> env;
  for (const auto& item : spec["containers"][0]["env"]) env[item["name"]] = item["value"];
  EXPECT_EQ(env["SEED_WORKSPACE"], "s3://seed-artifacts/wind");
  EXPECT_EQ(env["SEED_S3_ENDPOINT"], "https://minio.storage:9000") << "the repository wins over podDefaults";
  EXPECT_EQ(env["SEED_S3_CREDENTIALS_DIR"], "/seed/s3-credentials");
  EXPECT_EQ(env["AWS_REGION"], "eu-central-1");
  EXPECT_EQ(env["SEED_S3_INSECURE"], "false");
  EXPECT_EQ(env["SEED_S3_CA_FILE"], "/seed/s3-ca/ca.crt");
  EXPECT_EQ(env["TZ"], "Asia/Shanghai");
  EXPECT_EQ(env["SEED_RESULTS_FILE"], "/seed/results.json");
  EXPECT_EQ(spec["containers"][0]["terminationMessagePath"], "/seed/results.json");
  bool mounted = false;
  for (const auto& mount : spec["containers"][0]["volumeMounts"]) {
    if (mount["mountPath"] == "/seed/s3-credentials") mounted = mount.value("readOnly", false);
  }
  EXPECT_TRUE(mounted) << "the Secret is mounted read-only";
}

TEST(TaskPodRepositoryTest, ArtifactRootIsBucketAndPrefix) {
  api::S3ArtifactRepository s3;
  s3.bucket = "b1";
  EXPECT_EQ(api::ArtifactRoot(s3), "s3://b1");
  s3.key_prefix = "a/b";
  EXPECT_EQ(api::ArtifactRoot(s3), "s3://b1/a/b");
  EXPECT_EQ(api::ArtifactRootOr(std::nullopt, "/seed/workspace"), "/seed/workspace");
}

TEST(TaskPodRepositoryTest, MissingOrBadFieldsAreErrorsSayingWhatToSet) {
  const std::string tasks = "tasks: [{name: t, templateRef: {name: x}}]\n";
  std::string all = AllErrors(tasks + "artifactRepository: {s3: {keyPrefix: runs}}\n");
  EXPECT_NE(all.find("spec.artifactRepository.s3.endpoint: is required: the server's URL"), std::string::npos)
      << all;
  EXPECT_NE(all.find("spec.artifactRepository.s3.bucket: is required"), std::string::npos) << all;
  EXPECT_NE(
      all.find("spec.artifactRepository.s3.secretRef: is required: {name: <Secret>} with the keys accessKey "
               "and secretKey"),
      std::string::npos)
      << all;
  all = AllErrors(tasks + "artifactRepository: {}\n");
  EXPECT_NE(all.find("spec.artifactRepository: set s3: {endpoint, bucket, secretRef: {name}}"),
            std::string::npos)
      << all;
  all = AllErrors(tasks +
                  "artifactRepository: {s3: {endpoint: minio:9000, bucket: Seed_Art, secretRef: {name: s}, "
                  "bukcet: x}}\n");
  EXPECT_NE(
      all.find("spec.artifactRepository.s3.endpoint: \"minio:9000\" must start with http:// or https://"),
      std::string::npos)
      << all;
  EXPECT_NE(all.find("spec.artifactRepository.s3.bucket: \"Seed_Art\" is not a bucket name"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("bukcet"), std::string::npos) << "an unknown field is an error: " << all;
  all = AllErrors(tasks +
                  "workspace: {persistentVolumeClaim: {claimName: data}}\n"
                  "artifactRepository: {s3: {endpoint: http://m:9000, bucket: art, secretRef: {name: s}}}\n");
  EXPECT_NE(all.find("spec.artifactRepository: cannot be set together with workspace"), std::string::npos)
      << all;
  EXPECT_EQ(
      AllErrors(tasks +
                "artifactRepository: {s3: {endpoint: http://m:9000, bucket: art, secretRef: {name: s}}}\n"),
      "");
}

}  // namespace
}  // namespace seed::render
