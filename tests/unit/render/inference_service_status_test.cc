#include "render/inference_service_status.h"

#include <gtest/gtest.h>

#include "api/yaml_json.h"

namespace seed::render {
namespace {

using nlohmann::json;

api::InferenceService Isvc(const std::string& name, const std::string& version, const std::string& created,
                           const std::string& extra = "") {
  json object = api::ParseYamlDocuments(
                    "apiVersion: seed.dev/v1alpha1\nkind: InferenceService\n"
                    "metadata: {name: " + name + ", namespace: forecast, generation: 2, creationTimestamp: '" + created +
                    "'}\nspec:\n  model: {name: wind-wf01, version: " + version + ", uri: pvc://models/wind-wf01}\n" + extra)
                    .at(0)
                    .value;
  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(object, &errors);
  for (const auto& error : errors) ADD_FAILURE() << api::FormatError(error);
  return isvc;
}

json Deployment(int64_t generation, int64_t observed, int64_t replicas, int64_t ready, const std::string& available,
                const json& progressing = nullptr) {
  json conditions = json::array({{{"type", "Available"}, {"status", available}}});
  if (!progressing.is_null()) conditions.push_back(progressing);
  return {{"metadata", {{"generation", generation}}},
          {"status",
           {{"observedGeneration", observed},
            {"replicas", replicas},
            {"readyReplicas", ready},
            {"availableReplicas", ready},
            {"conditions", conditions}}}};
}

TEST(InferenceServiceConditionsTest, ReadyFollowsTheDeploymentsAvailability) {
  auto isvc = Isvc("wind-wf01", "v2.1", "2026-11-22T08:00:00Z");
  api::Condition missing = ReadyCondition(isvc, nullptr);
  EXPECT_EQ(missing.status, "False");
  EXPECT_EQ(missing.reason, "DeploymentNotFound");
  EXPECT_EQ(missing.message, "Deployment serving-wind-wf01-21 does not exist yet");
  EXPECT_EQ(missing.observed_generation, 2);

  EXPECT_EQ(ReadyCondition(isvc, Deployment(3, 2, 1, 1, "True")).reason, "RolloutPending");

  api::Condition loading = ReadyCondition(isvc, Deployment(3, 3, 2, 0, "False"));
  EXPECT_EQ(loading.status, "False");
  EXPECT_EQ(loading.reason, "ModelNotReady");
  EXPECT_EQ(loading.message, "0 of 2 replicas ready: a pod is Ready once its model is loaded (readiness probe "
                             "/v2/models/wind-wf01/ready); see the pods' events and logs");

  api::Condition ready = ReadyCondition(isvc, Deployment(3, 3, 2, 2, "True"));
  EXPECT_EQ(ready.status, "True");
  EXPECT_EQ(ready.reason, "MinimumReplicasAvailable");
  EXPECT_EQ(ready.message, "2 of 2 replicas ready; the model is loaded and serving");

  api::Condition stuck = ReadyCondition(
      isvc, Deployment(3, 3, 2, 1, "True",
                       {{"type", "Progressing"}, {"status", "False"}, {"reason", "ProgressDeadlineExceeded"},
                        {"message", "ReplicaSet \"x\" has timed out progressing."}}));
  EXPECT_EQ(stuck.status, "False");
  EXPECT_EQ(stuck.reason, "ProgressDeadlineExceeded");
  EXPECT_EQ(stuck.message,
            "Deployment serving-wind-wf01-21: ReplicaSet \"x\" has timed out progressing. (1 of 2 replicas ready)");
}

TEST(InferenceServiceConditionsTest, AHostWithoutTheGatewayApiSaysWhyTrafficIsNotRouted) {
  EXPECT_FALSE(RoutedCondition(Isvc("a", "v1", "2026-11-22T08:00:00Z"), false));
  auto isvc = Isvc("a", "v1", "2026-11-22T08:00:00Z",
                   "  host: wf01.models.example.com\n  traffic: {mirror: {service: shadow-a}}\n");
  auto condition = RoutedCondition(isvc, false);
  ASSERT_TRUE(condition);
  EXPECT_EQ(condition->type, "TrafficRouted");
  EXPECT_EQ(condition->status, "False");
  EXPECT_EQ(condition->reason, "GatewayAPINotInstalled");
  EXPECT_EQ(
      condition->message,
      "spec.host wf01.models.example.com and spec.traffic need an HTTPRoute, but the cluster does not serve "
      "gateway.networking.k8s.io/v1; install the Gateway API CRDs and a gateway controller, or reach the "
      "model "
      "through Service serving-wind-wf01");
  EXPECT_EQ(RoutedCondition(isvc, true)->status, "True");
}

// The stable Services carry no version, so two InferenceServices of one model name and service
// type clash whatever their versions; another service type does not.
TEST(InferenceServiceConditionsTest, TheLaterOfTwoServicesWithOneStableNameGetsTheClash) {
  auto first = Isvc("wind-a", "v2.1", "2026-11-22T08:00:00Z");
  auto second = Isvc("wind-b", "v2.2", "2026-11-22T09:00:00Z");
  auto shadow = Isvc("wind-c", "v2.1", "2026-11-22T07:00:00Z", "  serviceType: shadow\n");
  EXPECT_FALSE(NameClashCondition(first, {first, second, shadow}));
  EXPECT_FALSE(NameClashCondition(shadow, {first, second, shadow}));
  auto clash = NameClashCondition(second, {first, second, shadow});
  ASSERT_TRUE(clash);
  EXPECT_EQ(clash->type, "NameClash");
  EXPECT_EQ(clash->status, "True");
  EXPECT_EQ(clash->reason, "ChildNameInUse");
  EXPECT_EQ(clash->message,
            "InferenceService wind-a already owns the children named serving-wind-wf01 "
            "(serviceType-model.name; the "
            "Services clients use keep it across versions); change spec.serviceType or spec.model.name so "
            "the names "
            "differ");
}

}  // namespace
}  // namespace seed::render
