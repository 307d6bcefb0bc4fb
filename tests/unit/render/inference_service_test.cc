#include "render/inference_service.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/yaml_json.h"
#include "render/names.h"

namespace seed::render {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The InferenceService every case starts from; each case merges its own spec over it.
constexpr char kBase[] = R"(
apiVersion: seed.dev/v1alpha1
kind: InferenceService
metadata: {name: wind-wf01, namespace: forecast, uid: 5d3c1f0e-1111-4b7a-9c55-0a1b2c3d4e5f, generation: 3}
spec:
  model: {name: wind-wf01, version: v2.1, uri: pvc://models/wind-wf01/v2.1}
  resources: {requests: {cpu: 500m, memory: 256Mi}, limits: {memory: 1Gi}}
)";

api::InferenceService Parse(const std::string& spec_patch_yaml) {
  json object = api::ParseYamlDocuments(kBase).at(0).value;
  if (!spec_patch_yaml.empty()) object["spec"].merge_patch(api::ParseYamlDocuments(spec_patch_yaml).at(0).value);
  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(object, &errors);
  for (const auto& error : errors) ADD_FAILURE() << api::FormatError(error);
  return isvc;
}

InferenceServiceOptions Options(bool gateway) {
  InferenceServiceOptions options;
  options.default_image = "registry.example.com/seed-job:0.1.0";
  options.gateway_api_available = gateway;
  options.gateway_parent_refs = json::parse(R"([{"name": "seed-gateway", "namespace": "gateway-system"}])");
  return options;
}

// Every child that exists, as multi-document YAML in a fixed order.
std::string ChildrenYaml(const InferenceServiceChildren& children) {
  std::string out;
  for (const json* child : {&children.deployment, &children.version_service, &children.service,
                            &children.external_service, &children.hpa, &children.route}) {
    if (child->is_null()) continue;
    out += "---\n" + api::JsonToYaml(*child);
  }
  return out;
}

// Compares with golden/inference_service/<name>.yaml; SEED_UPDATE_GOLDEN=1 rewrites the file
// (review the diff before committing it).
void ExpectGolden(const std::string& name, const std::string& actual) {
  const fs::path file = fs::path(__FILE__).parent_path() / "golden" / "inference_service" / (name + ".yaml");
  if (std::getenv("SEED_UPDATE_GOLDEN")) std::ofstream(file) << actual;
  std::ifstream in(file);
  ASSERT_TRUE(in) << file << " is missing; run with SEED_UPDATE_GOLDEN=1 to create it";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden " << file << " differs; if the change is intended, rerun with "
                                       "SEED_UPDATE_GOLDEN=1 and review the diff";
}

TEST(InferenceServiceRenderTest, FixedReplicasGiveNoHpaAndSetReplicas) {
  auto isvc = Parse("replicas: {min: 2, max: 2}");
  auto children = RenderInferenceService(isvc, Options(true));
  EXPECT_EQ(children.name, "serving-wind-wf01");
  EXPECT_EQ(children.version_name, "serving-wind-wf01-21");
  // The stable Service selects this version's pods; the version Service selects them too.
  EXPECT_EQ(children.service["spec"]["selector"]["app.kubernetes.io/instance"], "serving-wind-wf01-21");
  EXPECT_EQ(children.version_service["metadata"]["name"], "serving-wind-wf01-21");
  EXPECT_EQ(children.deployment["metadata"]["annotations"]["seed.dev/model-version"], "v2.1");
  EXPECT_TRUE(children.hpa.is_null());
  EXPECT_TRUE(children.route.is_null());
  EXPECT_TRUE(children.external_service.is_null());
  EXPECT_EQ(children.deployment["spec"]["replicas"], 2);
  EXPECT_FALSE(children.service["spec"].contains("clusterIP"));
  const json& container = children.deployment["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(container["args"], json::parse(R"(["serve", "--model", "pvc://models/wind-wf01/v2.1", "--port", "8080"])"));
  EXPECT_EQ(container["readinessProbe"]["httpGet"]["path"], "/v2/models/wind-wf01/ready");
  EXPECT_EQ(container["livenessProbe"]["httpGet"]["path"], "/v2/health/live");
  EXPECT_EQ(children.deployment["metadata"]["labels"]["seed.dev/inferenceservice"], "wind-wf01");
  EXPECT_EQ(children.deployment["metadata"]["ownerReferences"][0]["kind"], "InferenceService");
  ExpectGolden("fixed_replicas", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, AutoscalingOnCpuLeavesReplicasToTheHpa) {
  auto children = RenderInferenceService(
      Parse("replicas: {min: 1, max: 5}\nautoscaling: {metrics: [{type: cpu, targetUtilization: 50}]}"), Options(true));
  EXPECT_FALSE(children.deployment["spec"].contains("replicas"));
  EXPECT_EQ(children.hpa["spec"]["metrics"], json::parse(R"([{"type": "Resource", "resource": {"name": "cpu",
      "target": {"type": "Utilization", "averageUtilization": 50}}}])"));
  ExpectGolden("autoscale_cpu", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, AutoscalingOnMemory) {
  auto children = RenderInferenceService(
      Parse("replicas: {min: 2, max: 4}\nautoscaling: {metrics: [{type: memory, targetUtilization: 60}],"
            " behavior: {scaleDown: {stabilizationWindowSeconds: 600}}}"),
      Options(true));
  EXPECT_FALSE(children.deployment["spec"].contains("replicas"));
  EXPECT_EQ(children.hpa["spec"]["metrics"][0]["resource"]["name"], "memory");
  EXPECT_EQ(children.hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"], 600);
  ExpectGolden("autoscale_memory", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, AutoscalingOnGpuIsAValidPodsMetric) {
  auto children = RenderInferenceService(
      Parse("replicas: {min: 1, max: 3}\nresources: {gpu: 1}\n"
            "autoscaling: {metrics: [{type: gpu, targetUtilization: 50}]}"),
      Options(true));
  EXPECT_FALSE(children.deployment["spec"].contains("replicas"));
  EXPECT_EQ(children.hpa["spec"]["metrics"], json::parse(R"([{"type": "Pods", "pods": {
      "metric": {"name": "DCGM_FI_DEV_GPU_UTIL"}, "target": {"type": "AverageValue", "averageValue": "50"}}}])"));
  EXPECT_EQ(children.deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"], "1");
  ExpectGolden("autoscale_gpu", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, AutoscalingWithoutMetricsDefaultsToCpu80) {
  auto children = RenderInferenceService(Parse("replicas: {min: 1, max: 2}"), Options(true));
  EXPECT_EQ(children.hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 80);
}

TEST(InferenceServiceRenderTest, ExposeAddsAnExternalService) {
  auto children = RenderInferenceService(
      Parse("expose: {type: LoadBalancer, externalIPs: [192.0.2.10]}"), Options(true));
  EXPECT_EQ(children.external_service["metadata"]["name"], "serving-wind-wf01-external");
  EXPECT_EQ(children.external_service["spec"]["type"], "LoadBalancer");
  ExpectGolden("expose", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, HostWithSplitAndMirrorGivesAWeightedRouteWithAMirror) {
  auto children = RenderInferenceService(
      Parse("host: wf01.models.example.com\n"
            "traffic: {split: [{service: serving-wind-wf01-20, percent: 20}, {service: serving-wind-wf01-19, percent: 5}],"
            " mirror: {service: shadow-wind-wf01-22, percent: 50}}"),
      Options(true));
  ASSERT_TRUE(children.route.is_object());
  const json& rule = children.route["spec"]["rules"][0];
  EXPECT_EQ(rule["backendRefs"], json::parse(R"([{"name": "serving-wind-wf01", "port": 80, "weight": 75},
      {"name": "serving-wind-wf01-20", "port": 80, "weight": 20}, {"name": "serving-wind-wf01-19", "port": 80, "weight": 5}])"));
  EXPECT_EQ(rule["filters"], json::parse(R"([{"type": "RequestMirror", "requestMirror": {
      "backendRef": {"name": "shadow-wind-wf01-22", "port": 80}, "percent": 50}}])"));
  EXPECT_EQ(InferenceServiceUrl(Parse("host: wf01.models.example.com"), Options(true)), "http://wf01.models.example.com");
  ExpectGolden("host_split_mirror", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, HostWithoutTheGatewayApiRendersNoRoute) {
  auto isvc = Parse("host: wf01.models.example.com");
  auto children = RenderInferenceService(isvc, Options(false));
  EXPECT_TRUE(children.route.is_null());
  EXPECT_EQ(InferenceServiceUrl(isvc, Options(false)), "http://serving-wind-wf01.forecast.svc.cluster.local");
  ExpectGolden("host_without_gateway", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, EnvHasTheModelAndTheDownwardApiAfterTheUsersEnv) {
  auto children = RenderInferenceService(
      Parse("env: [{name: LOG_LEVEL, value: debug}, {name: TOKEN, valueFrom: {secretKeyRef: {name: t, key: k}}}]\n"
            "image: registry.example.com/custom-server:1.2\nargs: [serve, --model, /mnt/models/wind-wf01/v2.1, --threads, '4']"),
      Options(true));
  const json& container = children.deployment["spec"]["template"]["spec"]["containers"][0];
  std::vector<std::string> names;
  for (const auto& item : container["env"]) names.push_back(item["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"LOG_LEVEL", "TOKEN", "SEED_MODEL_NAME", "SEED_MODEL_VERSION",
                                             "SEED_MODEL_PATH", "K8S_NODE_NAME", "K8S_POD_NAME", "K8S_POD_NAMESPACE",
                                             "K8S_POD_IP", "K8S_HOST_IP"}));
  EXPECT_EQ(container["env"][4], json::parse(R"({"name": "SEED_MODEL_PATH", "value": "/mnt/models/wind-wf01/v2.1"})"));
  EXPECT_EQ(container["env"][9], json::parse(R"({"name": "K8S_HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}})"));
  EXPECT_EQ(container["image"], "registry.example.com/custom-server:1.2");
  ExpectGolden("env", ChildrenYaml(children));
}

TEST(InferenceServiceRenderTest, TheSpecHashChangesWithTheSpecOnly) {
  auto a = RenderInferenceService(Parse(""), Options(true));
  auto b = RenderInferenceService(Parse(""), Options(true));
  auto c = RenderInferenceService(Parse("image: seed-job:0.2.0"), Options(true));
  const auto hash = [](const json& object) { return object["metadata"]["annotations"]["seed.dev/spec-hash"]; };
  EXPECT_EQ(hash(a.deployment), hash(b.deployment));
  EXPECT_NE(hash(a.deployment), hash(c.deployment));
  EXPECT_EQ(hash(a.service), hash(c.service));
}

// During an upgrade the version that does not own traffic has no HPA (its replicas follow the
// serving version's), the stable Services select the serving version, and a canary splits the
// route between the two version Services.
TEST(InferenceServiceRenderTest, AVersionThatDoesNotOwnTrafficFollowsTheServingOne) {
  TrafficView view;
  view.serving = "serving-wind-wf01-20";
  view.incoming_replicas = 4;
  view.route_versions = {{"serving-wind-wf01-20", 90}, {"serving-wind-wf01-21", 10}};
  auto children = RenderInferenceService(
      Parse("{replicas: {min: 2, max: 6}, host: wf01.models.example.com, expose: {type: NodePort},"
            " traffic: {split: [{service: other, percent: 20}]}}"),
      Options(true), view);
  EXPECT_TRUE(children.hpa.is_null());
  EXPECT_EQ(children.deployment["spec"]["replicas"], 4);
  EXPECT_EQ(children.service["spec"]["selector"]["app.kubernetes.io/instance"], "serving-wind-wf01-20");
  EXPECT_EQ(children.external_service["spec"]["selector"]["app.kubernetes.io/instance"],
            "serving-wind-wf01-20");
  EXPECT_EQ(children.version_service["spec"]["selector"]["app.kubernetes.io/instance"],
            "serving-wind-wf01-21");
  // This service's 80 % is split 90:10; the other service keeps its 20 %.
  EXPECT_EQ(children.route["spec"]["rules"][0]["backendRefs"],
            json::parse(R"([{"name": "serving-wind-wf01-20", "port": 80, "weight": 72},
                            {"name": "serving-wind-wf01-21", "port": 80, "weight": 8},
                            {"name": "other", "port": 80, "weight": 20}])"));
  // Replicas stay within min..max whatever the serving version runs.
  view.incoming_replicas = 9;
  EXPECT_EQ(RenderInferenceService(Parse("{replicas: {min: 2, max: 6}}"), Options(false), view)
                .deployment["spec"]["replicas"],
            6);
  // Rolled back: no Deployment and no version Service for this version; the stable ones stay.
  view.render_version = false;
  auto rolled_back = RenderInferenceService(Parse(""), Options(false), view);
  EXPECT_TRUE(rolled_back.deployment.is_null());
  EXPECT_TRUE(rolled_back.version_service.is_null());
  EXPECT_EQ(rolled_back.service["spec"]["selector"]["app.kubernetes.io/instance"], "serving-wind-wf01-20");
}

// The edge mode: only a Deployment running seed-job stream with the flags its runner takes, the
// broker credentials mounted from the Secret, and nothing HTTP.
TEST(InferenceServiceRenderTest, StreamModeRendersOnlyADeploymentRunningTheStreamRunner) {
  auto children = RenderInferenceService(
      Parse("stream: {broker: 'mqtts://broker.plant.local:8883', inputTopic: plant/wf01/features,"
            " outputTopic: plant/wf01/forecast, secretRef: {name: mqtt-wf01}}\nreplicas: {min: 2, max: 2}"),
      Options(true));
  ASSERT_TRUE(children.deployment.is_object());
  EXPECT_TRUE(children.service.is_null());
  EXPECT_TRUE(children.version_service.is_null());
  EXPECT_TRUE(children.external_service.is_null());
  EXPECT_TRUE(children.hpa.is_null());
  EXPECT_TRUE(children.route.is_null());
  const json& pod = children.deployment["spec"]["template"]["spec"];
  const json& container = pod["containers"][0];
  EXPECT_EQ(container["command"], json::array({"seed-job"}));
  EXPECT_EQ(container["args"], json::parse(R"(["stream", "--broker", "mqtts://broker.plant.local:8883",
      "--input-topic", "plant/wf01/features", "--output-topic", "plant/wf01/forecast",
      "--model", "pvc://models/wind-wf01/v2.1", "--credentials-dir", "/var/run/seed/mqtt"])"));
  EXPECT_FALSE(container.contains("ports"));
  EXPECT_FALSE(container.contains("readinessProbe"));
  EXPECT_FALSE(container.contains("livenessProbe"));
  EXPECT_EQ(
      container["volumeMounts"][2],
      json::parse(R"({"name": "mqtt-credentials", "mountPath": "/var/run/seed/mqtt", "readOnly": true})"));
  EXPECT_EQ(pod["volumes"][2]["secret"]["secretName"], "mqtt-wf01");
  EXPECT_EQ(children.deployment["spec"]["replicas"], 2);
  EXPECT_FALSE(children.deployment["spec"]["template"]["metadata"].contains("annotations"));
}

TEST(InferenceServiceNameTest, ServiceTypeModelAndTheDigitsOfTheVersion) {
  api::InferenceServiceSpec spec;
  spec.model.name = "wind-wf01";
  spec.model.version = "v2.1";
  EXPECT_EQ(InferenceServiceChildName(spec), "serving-wind-wf01-21");
  EXPECT_EQ(InferenceServiceStableName(spec), "serving-wind-wf01");
  spec.model.version = "v2023.11.05";
  EXPECT_EQ(InferenceServiceChildName(spec), "serving-wind-wf01-20231105");
  spec.service_type = "shadow";
  spec.model.version = "3";
  EXPECT_EQ(InferenceServiceChildName(spec), "shadow-wind-wf01-3");
}

TEST(InferenceServiceNameTest, LongNamesAreCutWithAStableHash) {
  api::InferenceServiceSpec spec;
  spec.model.name = "wind-farm-with-a-very-long-name-in-the-north-of-the-province-01";
  spec.model.version = "v2023.11.05";
  const std::string full = "serving-" + spec.model.name + "-20231105";
  const std::string name = InferenceServiceChildName(spec);
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(name, full.substr(0, 54) + "-" + ShortHash(full));
  EXPECT_EQ(name, InferenceServiceChildName(spec));
  EXPECT_EQ(ExternalServiceName(name).size(), 63u);
  EXPECT_EQ(ExternalServiceName(name).substr(54), "-external");
  EXPECT_EQ(ExternalServiceName("serving-wind-wf01-21"), "serving-wind-wf01-21-external");
}

TEST(InferenceServiceNameTest, ModelPathInThePodMatchesTheServersMount) {
  EXPECT_EQ(ModelPathInPod("pvc://models/wind-wf01/v2.1"), "/mnt/models/wind-wf01/v2.1");
  EXPECT_EQ(ModelPathInPod("file:///srv/models/wind.json"), "/srv/models/wind.json");
  EXPECT_EQ(ModelPathInPod("s3://bucket/wind"), "/mnt/models/model.json");  // downloaded there first
}

// A remote model: the init container downloads it into an emptyDir (checking its SHA-256, with the
// Secret's credentials mounted for it alone), and the server reads the local copy.
TEST(InferenceServiceRenderTest, ARemoteModelIsDownloadedByAnInitContainerBeforeTheServerStarts) {
  const std::string sha = std::string(64, 'c');
  auto children = RenderInferenceService(
      Parse("model: {uri: s3://plant-models/wind-wf01/v2.1/model.json, sha256: " + sha +
            ", secretRef: {name: s3-creds}}"),
      Options(false), {});
  const json& pod = children.deployment["spec"]["template"]["spec"];
  ASSERT_EQ(pod["initContainers"].size(), 1u);
  const json& fetch = pod["initContainers"][0];
  EXPECT_EQ(fetch["name"], "model-fetch");
  EXPECT_EQ(fetch["image"], "registry.example.com/seed-job:0.1.0");
  EXPECT_EQ(fetch["args"], json({"fetch", "--url", "s3://plant-models/wind-wf01/v2.1/model.json", "--out",
                                 "/mnt/models/model.json", "--no-validate", "--sha256", sha}));
  EXPECT_EQ(fetch["env"],
            json::parse(R"([{"name": "SEED_S3_CREDENTIALS_DIR", "value": "/var/run/seed/s3"}])"));
  EXPECT_EQ(fetch["securityContext"]["readOnlyRootFilesystem"], true);
  const json& server = pod["containers"][0];
  EXPECT_EQ(server["args"],
            json({"serve", "--model", "/mnt/models/model.json", "--port", "8080", "--sha256", sha}));
  bool model_mounted_read_only = false, credentials_in_server = false;
  for (const auto& mount : server["volumeMounts"]) {
    model_mounted_read_only |= mount["name"] == "seed-model" && mount["readOnly"] == true;
    credentials_in_server |= mount["name"] == "s3-credentials";
  }
  EXPECT_TRUE(model_mounted_read_only);
  EXPECT_FALSE(credentials_in_server) << "the server never needs the storage credentials";
  json volumes = json::object();
  for (const auto& volume : pod["volumes"]) volumes[volume["name"].get<std::string>()] = volume;
  EXPECT_EQ(volumes["seed-model"]["emptyDir"], json::object());
  EXPECT_EQ(volumes["s3-credentials"]["secret"]["secretName"], "s3-creds");
  // A pvc:// model has no init container.
  EXPECT_FALSE(RenderInferenceService(Parse(""), Options(false), {})
                   .deployment["spec"]["template"]["spec"]
                   .contains("initContainers"));
}

}  // namespace
}  // namespace seed::render
