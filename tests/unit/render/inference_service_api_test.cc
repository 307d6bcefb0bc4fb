#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/inference_service.h"
#include "api/yaml_json.h"
#include "render/inference_service.h"

namespace seed::api {
namespace {

using nlohmann::json;

std::vector<std::string> Errors(const std::string& spec_yaml) {
  ValidationErrors errors;
  ParseInferenceServiceSpec(ParseYamlDocuments(spec_yaml).at(0).value, "spec", &errors);
  std::vector<std::string> out;
  for (const auto& error : errors) out.push_back(FormatError(error));
  return out;
}

using Messages = std::vector<std::string>;

TEST(InferenceServiceApiTest, DefaultsFillEverythingLeftOut) {
  ValidationErrors errors;
  InferenceServiceSpec spec = ParseInferenceServiceSpec(
      ParseYamlDocuments("model: {name: wind-wf01, version: v2.1, uri: pvc://models/wind-wf01/v2.1}").at(0).value, "spec",
      &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(spec.service_type, "serving");
  EXPECT_EQ(spec.port, 8080);
  EXPECT_EQ(spec.replicas.min, 1);
  EXPECT_EQ(spec.replicas.max, 1);
  EXPECT_TRUE(spec.metrics.empty());
  EXPECT_FALSE(spec.expose);
}

TEST(InferenceServiceApiTest, TheGpuMetricNameDefaultsToDcgm) {
  ValidationErrors errors;
  InferenceServiceSpec spec = ParseInferenceServiceSpec(ParseYamlDocuments(R"(
model: {name: m, version: "1", uri: "file:///m.json"}
resources: {gpu: 1}
replicas: {min: 1, max: 2}
autoscaling: {metrics: [{type: gpu, targetUtilization: 40}]}
)").at(0).value, "spec", &errors);
  EXPECT_TRUE(errors.empty());
  ASSERT_EQ(spec.metrics.size(), 1u);
  EXPECT_EQ(spec.metrics[0].metric_name, "DCGM_FI_DEV_GPU_UTIL");
}

TEST(InferenceServiceApiTest, ModelFieldsAreRequiredAndChecked) {
  EXPECT_EQ(Errors("port: 8080"), (Messages{"spec.model: is required"}));
  EXPECT_EQ(
      Errors("model: {name: Wind_01, version: latest, uri: http://x/m}"),
      (Messages{
          "spec.model.name: \"Wind_01\" is not a valid model name: use lower-case letters, digits and '-', "
          "starting and ending with a letter or digit (it is part of the child names and URL paths)",
          "spec.model.version: \"latest\" has no digits: the child names use the version's digits (v2.1 -> "
          "21), so give a version such as v1 or 2023.11.05",
          "spec.model.uri: \"http://x/m\" is not supported: use pvc://CLAIM/PATH, file:///PATH, "
          "s3://BUCKET/KEY or https://HOST/PATH"}));
  // Remote models: downloaded by the init container, with the built-in server or an image of one's own.
  EXPECT_TRUE(Errors("model: {name: m, version: v1, uri: s3://bucket/m/model.json}").empty());
  EXPECT_TRUE(Errors("model: {name: m, version: v1, uri: 'https://models.example.com/m.json'}").empty());
  EXPECT_TRUE(Errors("model: {name: m, version: v1, uri: s3://bucket/m}\nimage: my/server:1\ncommand: [serve]").empty());
  EXPECT_EQ(Errors("model: {name: m, version: v1, uri: s3://bucket}"),
            (Messages{"spec.model.uri: \"s3://bucket\" names no object: use s3://BUCKET/KEY"}));
}

TEST(InferenceServiceApiTest, Sha256SecretRefAndWatchAreChecked) {
  const std::string sha = std::string(64, 'a');
  EXPECT_TRUE(
      Errors("model: {name: m, version: v1, uri: s3://b/m.json, sha256: " + sha + ", secretRef: {name: s3}}")
          .empty());
  EXPECT_EQ(
      Errors("model: {name: m, version: v1, uri: s3://b/m.json, sha256: ABC}"),
      (Messages{"spec.model.sha256: must be 64 lower-case hex digits (sha256sum's output), got \"ABC\""}));
  EXPECT_EQ(
      Errors("model: {name: m, version: v1, uri: s3://b/m.json, watch: true}"),
      (Messages{
          "spec.model.watch: follows a file the server can see: use a pvc:// or file:// model (a remote "
          "one is downloaded once, when the pod starts)"}));
  EXPECT_EQ(
      Errors("model: {name: m, version: v1, uri: pvc://models/m, watch: true, sha256: " + sha + "}"),
      (Messages{"spec.model.sha256: pins one artifact, and watch follows a changing one: use one of them"}));
  EXPECT_EQ(Errors("model: {name: m, version: v1, uri: pvc://models/m, secretRef: {name: s3}}"),
            (Messages{"spec.model.secretRef: holds S3 credentials: it applies to s3:// models only"}));
}

TEST(InferenceServiceApiTest, ReplicasAndAutoscalingAreChecked) {
  const std::string model = "model: {name: m, version: v1, uri: pvc://models/m}\n";
  EXPECT_EQ(Errors(model + "replicas: {min: 3, max: 2}\nresources: {requests: {cpu: 1}}"),
            (Messages{"spec.replicas.max: must be at least min (3); set min == max for a fixed number of replicas "
                      "without an autoscaler"}));
  EXPECT_EQ(Errors(model + "replicas: {min: 1, max: 2}"),
            (Messages{"spec.resources.requests.cpu: is required to autoscale on cpu: utilization is a percentage of the "
                      "request (replicas.min < replicas.max autoscales on cpu 80% unless autoscaling.metrics says "
                      "otherwise)"}));
  EXPECT_EQ(Errors(model + "autoscaling: {metrics: [{type: gpu, targetUtilization: 150}, {type: disk, targetUtilization: 5}]}"),
            (Messages{"spec.autoscaling.metrics[0].targetUtilization: must be a percentage from 1 to 100",
                      "spec.autoscaling.metrics[1].type: \"disk\" is not a metric type: use cpu, memory or gpu",
                      "spec.autoscaling.metrics: the gpu metric needs resources.gpu of at least 1: a pod without a GPU "
                      "reports no GPU utilisation"}));
}

TEST(InferenceServiceApiTest, TrafficNeedsAHostAndSplitsAddUpToAtMost100) {
  const std::string model = "model: {name: m, version: v1, uri: pvc://models/m}\n";
  EXPECT_EQ(Errors(model + "traffic: {mirror: {service: shadow}}"),
            (Messages{"spec.traffic: needs host: the split and the mirror are applied by the HTTPRoute for that host"}));
  EXPECT_EQ(Errors(model + "host: m.example.com\ntraffic: {split: [{service: a, percent: 60}, {service: b, percent: 50}]}"),
            (Messages{"spec.traffic.split: percents add up to 110; they must add up to at most 100 (this service gets "
                      "the rest)"}));
  EXPECT_EQ(Errors(model + "host: m.example.com\ntraffic: {split: [{service: a}]}"),
            (Messages{"spec.traffic.split[0].percent: is required"}));
}

TEST(InferenceServiceApiTest, ExposeEnvAndUnknownFieldsAreChecked) {
  const std::string model = "model: {name: m, version: v1, uri: pvc://models/m}\n";
  EXPECT_EQ(Errors(model + "expose: {type: ClusterIP, externalIPs: [10.0.0.300]}"),
            (Messages{"spec.expose.type: \"ClusterIP\" is not allowed: use NodePort or LoadBalancer",
                      "spec.expose.externalIPs[0]: \"10.0.0.300\" is not an IPv4 or IPv6 address"}));
  EXPECT_EQ(Errors(model + "env: [{name: SEED_MODEL_PATH, value: /x}, {name: K8S_POD_IP, value: x}, {name: N, value: 3}]"),
            (Messages{"spec.env[0].name: SEED_MODEL_PATH is set by Seed on every model server; names starting with SEED_ "
                      "and the K8S_ downward API names are reserved",
                      "spec.env[1].name: K8S_POD_IP is set by Seed on every model server; names starting with SEED_ and "
                      "the K8S_ downward API names are reserved",
                      "spec.env[2].value: must be a string; quote numbers and booleans"}));
  auto unknown = Errors(model + "replica: {min: 1}");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].rfind("spec.replica", 0), 0u) << unknown[0];
}

TEST(InferenceServiceApiTest, StatusRoundTrips) {
  InferenceServiceStatus status;
  status.url = "http://wf01.models.example.com";
  status.replicas = 2;
  status.ready_replicas = 1;
  status.observed_generation = 4;
  status.conditions.push_back({"Ready", "False", "ModelNotReady", "1 of 2 replicas ready", std::nullopt, 4});
  json out = InferenceServiceStatusToJson(status);
  EXPECT_EQ(out["readyReplicas"], 1);
  InferenceServiceStatus back = InferenceServiceStatusFromJson(out);
  EXPECT_EQ(back.url, status.url);
  EXPECT_EQ(back.ready_replicas, 1);
  ASSERT_EQ(back.conditions.size(), 1u);
  EXPECT_EQ(back.conditions[0].reason, "ModelNotReady");
}

TEST(InferenceServiceApiTest, WatchRendersTheServersFlagAndOnlyForTheBuiltInServer) {
  auto parse = [](const std::string& extra, ValidationErrors* errors) {
    return ParseInferenceService(
        ParseYamlDocuments(
            "apiVersion: seed.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: a}\nspec:\n"
            "  model: {name: m, version: v1, uri: 'pvc://c/p', watch: true}\n" +
            extra)
            .at(0)
            .value,
        errors);
  };
  ValidationErrors errors;
  InferenceService isvc = parse("", &errors);
  EXPECT_TRUE(errors.empty());
  const auto args = render::RenderInferenceService(isvc, {})
                        .deployment["spec"]["template"]["spec"]["containers"][0]["args"];
  EXPECT_EQ(args.back(), "--watch");
  parse("  command: [my-server]\n", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.model.watch");
}

TEST(InferenceServiceApiTest, StreamModeRefusesWhatOnlyHttpServingHas) {
  auto errors_of = [](const std::string& spec_extra) {
    ValidationErrors errors;
    ParseInferenceService(
        ParseYamlDocuments(
            "apiVersion: seed.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: a}\nspec:\n"
            "  model: {name: m, version: v1, uri: 'pvc://c/p'}\n" +
            spec_extra)
            .at(0)
            .value,
        &errors);
    std::vector<std::string> out;
    for (const auto& error : errors) out.push_back(FormatError(error));
    return out;
  };
  constexpr char kStream[] = "  stream: {broker: 'mqtt://broker:1883', inputTopic: in, outputTopic: out}\n";
  EXPECT_EQ(errors_of(kStream), std::vector<std::string>{});
  EXPECT_EQ(
      errors_of(std::string(kStream) + "  host: a.example.com\n"),
      std::vector<std::string>{"spec.host: does not apply with stream: the runner reads MQTT messages and "
                               "serves no HTTP requests"});
  auto autoscaled =
      errors_of(std::string(kStream) + "  replicas: {min: 1, max: 3}\n  resources: {requests: {cpu: 1}}\n");
  ASSERT_EQ(autoscaled.size(), 1u);
  EXPECT_EQ(autoscaled[0].rfind("spec.replicas: stream mode runs a fixed number of replicas", 0), 0u)
      << autoscaled[0];
  auto bad = errors_of("  stream: {broker: 'http://broker', inputTopic: t, outputTopic: t}\n");
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_EQ(bad[0].rfind("spec.stream.broker: \"http://broker\" is not a broker URL", 0), 0u) << bad[0];
  EXPECT_EQ(bad[1],
            "spec.stream.outputTopic: is the input topic: the runner would read its own predictions back");
  auto wildcard =
      errors_of("  stream: {broker: 'mqtts://b', inputTopic: 'plant/+/features', outputTopic: 'x/#'}\n");
  ASSERT_EQ(wildcard.size(), 1u);
  EXPECT_EQ(wildcard[0].rfind("spec.stream.outputTopic:", 0), 0u) << wildcard[0];
}

TEST(InferenceServiceApiTest, ACanaryLeavesRoomForBothVersionsInTheRoute) {
  std::string split;
  for (int i = 0; i < 15; ++i)
    split += std::string(i ? ", " : "") + "{service: s" + std::to_string(i) + ", percent: 1}";
  ValidationErrors errors;
  ParseInferenceService(
      ParseYamlDocuments("apiVersion: seed.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: a}\nspec:\n"
                         "  model: {name: m, version: v1, uri: 'pvc://c/p'}\n  host: a.example.com\n"
                         "  rollout: {canaryPercent: 10}\n  traffic: {split: [" +
                         split + "]}\n")
          .at(0)
          .value,
      &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.traffic.split");
}

TEST(InferenceServiceApiTest, TheWindExampleIsValid) {
  const auto file = std::filesystem::path(__FILE__).parent_path() / "../../../examples/wind/inference-service.yaml";
  std::ifstream in(file);
  ASSERT_TRUE(in) << file;
  std::stringstream text;
  text << in.rdbuf();
  ValidationErrors errors;
  InferenceService isvc = ParseInferenceService(ParseYamlDocuments(text.str()).at(0).value, &errors);
  for (const auto& error : errors) ADD_FAILURE() << FormatError(error);
  // It follows the channel the day-ahead pipeline publishes to once a model passes its gate.
  EXPECT_EQ(isvc.spec.model.uri, "pvc://wind-data/models/wf01/serving");
  EXPECT_TRUE(isvc.spec.model.watch);
  EXPECT_TRUE(isvc.spec.replicas.autoscaled());
}

}  // namespace
}  // namespace seed::api
