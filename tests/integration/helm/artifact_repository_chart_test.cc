// The chart's default artifact repository: `helm template` with the artifactRepository values
// renders a ConfigMap that seed-operator's --artifact-repository-file reads back as the values
// said, mounts it into the operator with the flag, and rolls the pods when it changes; without an
// endpoint nothing of it is rendered; a half-set repository is refused at `helm template` time.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/yaml_json.h"
#include "controllers/artifact_repository_file.h"
#include "helm_command.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::helm_testing {
namespace {

using nlohmann::json;

class ArtifactRepositoryChartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    helm_ = FindHelm();
    ASSERT_FALSE(helm_.empty()) << "helm not found: run scripts/setup (this test fails rather than skips)";
    dir_ = std::filesystem::temp_directory_path() / ("seed-chart-repo-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CommandResult Template(const std::vector<std::string>& sets) {
    std::vector<std::string> args = {
        "template", "seed", pipeline_testing::SourceDir() + "/charts/seed-operator", "-n", "seed-system"};
    for (const auto& set : sets) args.insert(args.end(), {"--set", set});
    return RunHelm(helm_, args, dir_ + "/helm");
  }
  static std::vector<json> Objects(const CommandResult& result) {
    std::vector<json> objects;
    for (const auto& document : api::ParseYamlDocuments(result.output)) {
      if (document.value.is_object() && document.value.contains("kind")) objects.push_back(document.value);
    }
    return objects;
  }
  static const json* Find(const std::vector<json>& objects, const std::string& kind,
                          const std::string& name) {
    for (const auto& object : objects) {
      if (object.value("kind", "") == kind &&
          object.value("metadata", json::object()).value("name", "") == name)
        return &object;
    }
    return nullptr;
  }

  std::string helm_;
  std::string dir_;
};

constexpr char kConfigMap[] = "seed-seed-operator-artifact-repository";
constexpr char kFlag[] = "--artifact-repository-file=/etc/seed/artifact-repository/repository.yaml";

TEST_F(ArtifactRepositoryChartTest, ValuesReachTheOperatorAsTheFileItReads) {
  const std::vector<std::string> values = {"artifactRepository.s3.endpoint=https://minio.storage:9000",
                                           "artifactRepository.s3.bucket=seed-artifacts",
                                           "artifactRepository.s3.keyPrefix=plants/runs",
                                           "artifactRepository.s3.region=eu-central-1",
                                           "artifactRepository.s3.secretName=seed-s3",
                                           "artifactRepository.s3.insecure=true",
                                           "artifactRepository.s3.caSecretName=storage-ca"};
  CommandResult rendered = Template(values);
  ASSERT_EQ(rendered.exit_code, 0) << rendered.Describe();
  std::vector<json> objects = Objects(rendered);
  const json* config_map = Find(objects, "ConfigMap", kConfigMap);
  ASSERT_NE(config_map, nullptr) << rendered.output;
  const std::string file = dir_ + "/repository.yaml";
  std::ofstream(file) << (*config_map)["data"]["repository.yaml"].get<std::string>();
  controllers::ArtifactRepositoryFile read = controllers::ReadArtifactRepositoryFile(file);
  ASSERT_EQ(read.error, "");
  EXPECT_EQ(read.repository, json::parse(R"({"s3": {"endpoint": "https://minio.storage:9000",
      "bucket": "seed-artifacts", "keyPrefix": "plants/runs", "region": "eu-central-1",
      "secretRef": {"name": "seed-s3"}, "insecure": true, "caSecretRef": {"name": "storage-ca"}}})"));

  const json* deployment = Find(objects, "Deployment", "seed-seed-operator");
  ASSERT_NE(deployment, nullptr);
  const json& pod = (*deployment)["spec"]["template"];
  const json& container = pod["spec"]["containers"][0];
  EXPECT_NE(container["args"].dump().find(kFlag), std::string::npos) << container["args"].dump();
  bool mounted = false, volume = false;
  for (const auto& mount : container["volumeMounts"]) {
    mounted =
        mounted || (mount["name"] == "artifact-repository" &&
                    mount["mountPath"] == "/etc/seed/artifact-repository" && mount.value("readOnly", false));
  }
  for (const auto& item : pod["spec"]["volumes"]) {
    volume = volume || (item["name"] == "artifact-repository" && item["configMap"]["name"] == kConfigMap);
  }
  EXPECT_TRUE(mounted && volume) << pod.dump(2);
  // The ConfigMap holds no key, and a changed repository changes the pod template (a rollout).
  EXPECT_EQ(config_map->dump().find("secretKey"), std::string::npos);
  const std::string checksum = pod["metadata"]["annotations"].value("checksum/artifact-repository", "");
  EXPECT_EQ(checksum.size(), 64u);
  std::vector<std::string> changed = values;
  changed[1] = "artifactRepository.s3.bucket=other-bucket";
  const std::vector<json> changed_objects = Objects(Template(changed));
  const json* other = Find(changed_objects, "Deployment", "seed-seed-operator");
  ASSERT_NE(other, nullptr);
  EXPECT_NE((*other)["spec"]["template"]["metadata"]["annotations"].value("checksum/artifact-repository", ""),
            checksum);
}

TEST_F(ArtifactRepositoryChartTest, NoEndpointNoRepositoryAndAHalfSetOneIsRefused) {
  CommandResult plain = Template({});
  ASSERT_EQ(plain.exit_code, 0) << plain.Describe();
  EXPECT_EQ(plain.output.find("artifact-repository"), std::string::npos);

  CommandResult no_secret =
      Template({"artifactRepository.s3.endpoint=http://minio:9000", "artifactRepository.s3.bucket=art"});
  EXPECT_NE(no_secret.exit_code, 0);
  EXPECT_NE(no_secret.errors.find("artifactRepository.s3.secretName is required"), std::string::npos)
      << no_secret.Describe();
  CommandResult bad_bucket =
      Template({"artifactRepository.s3.endpoint=http://minio:9000", "artifactRepository.s3.bucket=Bad_Bucket",
                "artifactRepository.s3.secretName=s"});
  ASSERT_EQ(bad_bucket.exit_code, 0) << "helm renders it; the operator refuses it at start";
  const std::vector<json> bad_objects = Objects(bad_bucket);
  const json* config_map = Find(bad_objects, "ConfigMap", kConfigMap);
  ASSERT_NE(config_map, nullptr);
  const std::string file = dir_ + "/bad.yaml";
  std::ofstream(file) << (*config_map)["data"]["repository.yaml"].get<std::string>();
  EXPECT_NE(controllers::ReadArtifactRepositoryFile(file).error.find(
                "s3.bucket: \"Bad_Bucket\" is not a bucket name"),
            std::string::npos);
}

}  // namespace
}  // namespace seed::helm_testing
