// The model-server Deployment the operator creates for an InferenceService passes the restricted
// Pod Security Standard, for the wind example and for a minimal service with every default.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "api/inference_service.h"
#include "api/yaml_json.h"
#include "pss/pod_security.h"
#include "render/inference_service.h"

namespace seed::pss {
namespace {

nlohmann::json RenderDeployment(const std::string& yaml) {
  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(api::ParseYamlDocuments(yaml).at(0).value, &errors);
  for (const auto& error : errors) ADD_FAILURE() << api::FormatError(error);
  render::InferenceServiceOptions options;
  options.gateway_api_available = true;
  return render::RenderInferenceService(isvc, options).deployment;
}

void ExpectRestricted(const nlohmann::json& deployment) {
  ASSERT_TRUE(deployment.is_object());
  const auto& pod = deployment.at("spec").at("template");
  auto violations = CheckRestricted(pod.value("metadata", nlohmann::json::object()), pod.at("spec"));
  EXPECT_TRUE(violations.empty()) << Describe(violations);
}

TEST(ModelServerPodSecurityTest, WindExampleDeploymentIsRestricted) {
  std::ifstream in(std::string(SEED_EXAMPLES_DIR) + "/wind/inference-service.yaml");
  ASSERT_TRUE(in) << "cannot read examples/wind/inference-service.yaml";
  std::stringstream text;
  text << in.rdbuf();
  ExpectRestricted(RenderDeployment(text.str()));
}

TEST(ModelServerPodSecurityTest, MinimalServiceDeploymentIsRestricted) {
  ExpectRestricted(RenderDeployment(R"(
apiVersion: seed.dev/v1alpha1
kind: InferenceService
metadata: {name: m, namespace: default, uid: u1}
spec:
  model: {name: m, version: v1, uri: file:///models/m}
)"));
}

// The edge mode's Deployment: the broker credentials are a Secret volume, which restricted allows.
TEST(ModelServerPodSecurityTest, StreamModeDeploymentIsRestricted) {
  ExpectRestricted(RenderDeployment(R"(
apiVersion: seed.dev/v1alpha1
kind: InferenceService
metadata: {name: m, namespace: default, uid: u1}
spec:
  model: {name: m, version: v1, uri: pvc://models/m}
  stream: {broker: 'mqtts://broker:8883', inputTopic: in, outputTopic: out, secretRef: {name: mqtt}}
)"));
}

}  // namespace
}  // namespace seed::pss
