#include "controllers/inference_service_plan.h"

#include <gtest/gtest.h>

#include "api/yaml_json.h"
#include "render/inference_service_status.h"
#include "render/labels.h"

namespace seed::controllers {
namespace {

using nlohmann::json;

constexpr char kUid[] = "5d3c1f0e-1111-4b7a-9c55-0a1b2c3d4e5f";
constexpr char kChild[] = "serving-wind-wf01-21";

constexpr char kBase[] = R"(
apiVersion: seed.dev/v1alpha1
kind: InferenceService
metadata: {name: wind-wf01, namespace: forecast, uid: 5d3c1f0e-1111-4b7a-9c55-0a1b2c3d4e5f, generation: 3}
spec:
  model: {name: wind-wf01, version: v2.1, uri: pvc://models/wind-wf01/v2.1}
  resources: {requests: {cpu: 500m, memory: 256Mi}}
)";

api::InferenceService Parse(const std::string& spec_patch_yaml = "") {
  json object = api::ParseYamlDocuments(kBase).at(0).value;
  if (!spec_patch_yaml.empty())
    object["spec"].merge_patch(api::ParseYamlDocuments(spec_patch_yaml).at(0).value);
  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(object, &errors);
  for (const auto& error : errors) ADD_FAILURE() << api::FormatError(error);
  return isvc;
}

render::InferenceServiceChildren Render(const std::string& spec_patch_yaml = "", bool gateway = true,
                                        const render::TrafficView& view = {}) {
  render::InferenceServiceOptions options;
  options.gateway_api_available = gateway;
  options.gateway_parent_refs = json::parse(R"([{"name": "seed-gateway", "namespace": "gateway-system"}])");
  return render::RenderInferenceService(Parse(spec_patch_yaml), options, view);
}

// A desired child as the API server would hand it back: with server fields added.
ObservedChild Stored(ChildKind kind, json object) {
  object["metadata"]["uid"] = "child-uid-" + object["metadata"].value("name", "");
  object["metadata"]["resourceVersion"] = "42";
  if (kind == ChildKind::kService) object["spec"]["clusterIP"] = "10.96.0.17";
  if (kind == ChildKind::kDeployment && !object["spec"].contains("replicas")) object["spec"]["replicas"] = 4;
  return {kind, object};
}

std::vector<ObservedChild> StoredAll(const render::InferenceServiceChildren& children) {
  std::vector<ObservedChild> stored;
  for (const auto& child : DesiredChildren(children)) stored.push_back(Stored(child.kind, child.object));
  return stored;
}

// "<verb> <kind> <name>" per action, in order.
std::vector<std::string> Summary(const ChildPlan& plan) {
  std::vector<std::string> out;
  for (const auto& action : plan.actions) {
    const char* verb = action.type == ChildActionType::kCreate  ? "create"
                       : action.type == ChildActionType::kPatch ? "patch"
                                                                : "delete";
    out.push_back(std::string(verb) + " " + ChildKindName(action.kind) + " " + action.name);
  }
  return out;
}

TEST(PlanChildrenTest, CreatesEveryDesiredChildWhenNoneExist) {
  auto desired = Render("{replicas: {min: 1, max: 3}, host: wf01.example.com, expose: {type: NodePort}}");
  ChildPlan plan = PlanChildren(desired, {}, kUid);
  EXPECT_EQ(Summary(plan), (std::vector<std::string>{
                               "create Deployment serving-wind-wf01-21",
                               "create Service serving-wind-wf01-21",
                               "create Service serving-wind-wf01",
                               "create Service serving-wind-wf01-external",
                               "create HorizontalPodAutoscaler serving-wind-wf01-21",
                               "create HTTPRoute serving-wind-wf01",
                           }));
  EXPECT_EQ(plan.actions[0].body, desired.deployment);
  EXPECT_TRUE(plan.foreign.empty());
}

TEST(PlanChildrenTest, NothingToDoWhenEveryHashMatches) {
  auto desired = Render("{replicas: {min: 1, max: 3}, host: wf01.example.com, expose: {type: NodePort}}");
  EXPECT_TRUE(PlanChildren(desired, StoredAll(desired), kUid).actions.empty());
}

TEST(PlanChildrenTest, PatchesOnlyTheChildrenWhoseHashChanged) {
  auto before = Render("{replicas: {min: 1, max: 3}}");
  auto after = Render("{replicas: {min: 1, max: 3}, image: registry.example.com/server:2}");
  ChildPlan plan = PlanChildren(after, StoredAll(before), kUid);
  ASSERT_EQ(Summary(plan), (std::vector<std::string>{"patch Deployment serving-wind-wf01-21"}));
  const json& patch = plan.actions[0].body;
  EXPECT_EQ(patch["spec"]["template"]["spec"]["containers"][0]["image"], "registry.example.com/server:2");
  EXPECT_EQ(patch["metadata"]["annotations"][render::kSpecHashAnnotation],
            after.deployment["metadata"]["annotations"][render::kSpecHashAnnotation]);
  // An HPA owns the replica count: the patch must not mention it.
  EXPECT_FALSE(patch["spec"].contains("replicas"));
}

TEST(PlanChildrenTest, FixedReplicasAreWrittenAndTheHpaDeletedFirst) {
  auto before = Render("{replicas: {min: 1, max: 3}}");
  auto after = Render("{replicas: {min: 2, max: 2}}");
  ChildPlan plan = PlanChildren(after, StoredAll(before), kUid);
  ASSERT_EQ(Summary(plan), (std::vector<std::string>{"delete HorizontalPodAutoscaler serving-wind-wf01-21",
                                                     "patch Deployment serving-wind-wf01-21"}));
  EXPECT_EQ(plan.actions[1].body["spec"]["replicas"], 2);
}

TEST(PlanChildrenTest, RemovingHostDeletesTheRouteAndExposeTheExternalService) {
  auto before = Render("{host: wf01.example.com, expose: {type: LoadBalancer}}");
  auto after = Render("");
  ChildPlan plan = PlanChildren(after, StoredAll(before), kUid);
  EXPECT_EQ(Summary(plan), (std::vector<std::string>{"delete Service serving-wind-wf01-external",
                                                     "delete HTTPRoute serving-wind-wf01"}));
}

// A kept version (the rollout still serves it, or retires it later) loses nothing; once no longer
// kept, its Deployment, HPA and version Service go, the HPA first.
TEST(PlanChildrenTest, AKeptVersionIsLeftAloneAndAnUnkeptOneDeleted) {
  auto before = Render("{replicas: {min: 1, max: 3}}");
  render::TrafficView view;
  view.serving = "serving-wind-wf01-21";
  view.incoming_replicas = 2;
  auto after = Render("{model: {version: v2.2}, replicas: {min: 1, max: 3}}", true, view);
  ChildPlan kept = PlanChildren(after, StoredAll(before), kUid, {"serving-wind-wf01-21"});
  EXPECT_EQ(Summary(kept), (std::vector<std::string>{"create Deployment serving-wind-wf01-22",
                                                     "create Service serving-wind-wf01-22"}));
  auto switched = Render("{model: {version: v2.2}, replicas: {min: 1, max: 3}}");
  ChildPlan retired = PlanChildren(switched, StoredAll(before), kUid);
  EXPECT_EQ(Summary(retired),
            (std::vector<std::string>{
                "delete HorizontalPodAutoscaler serving-wind-wf01-21",
                "create Deployment serving-wind-wf01-22", "create Service serving-wind-wf01-22",
                "patch Service serving-wind-wf01", "create HorizontalPodAutoscaler serving-wind-wf01-22",
                "delete Deployment serving-wind-wf01-21", "delete Service serving-wind-wf01-21"}));
}

TEST(PlanChildrenTest, AChildControlledByAnotherOwnerStopsEverything) {
  auto desired = Render("");
  auto stored = StoredAll(desired);
  stored[1].object["metadata"]["ownerReferences"][0]["uid"] = "someone-else";
  stored[1].object["metadata"]["ownerReferences"][0]["name"] = "wind-wf01-copy";
  stored.push_back({ChildKind::kHpa, json{{"metadata", {{"name", "unrelated"}}}}});
  ChildPlan plan = PlanChildren(Render("{image: other:1}"), stored, kUid);
  EXPECT_TRUE(plan.actions.empty());
  ASSERT_EQ(plan.foreign.size(), 1u);
  EXPECT_EQ(plan.foreign[0].kind, ChildKind::kService);
  EXPECT_EQ(plan.foreign[0].name, kChild);
  EXPECT_EQ(plan.foreign[0].controller, "InferenceService wind-wf01-copy");
  api::Condition condition = ForeignChildCondition(Parse(), plan.foreign);
  EXPECT_EQ(condition.type, "NameClash");
  EXPECT_EQ(condition.status, "True");
  EXPECT_EQ(condition.reason, "ChildNameInUse");
  EXPECT_NE(
      condition.message.find("Service serving-wind-wf01-21 (controlled by InferenceService wind-wf01-copy)"),
      std::string::npos)
      << condition.message;
}

TEST(PlanChildrenTest, AnUnownedObjectUnderAChildNameIsNotAdopted) {
  json service = Render("").service;
  service["metadata"].erase("ownerReferences");
  ChildPlan plan = PlanChildren(Render(""), {{ChildKind::kService, service}}, kUid);
  EXPECT_TRUE(plan.actions.empty());
  ASSERT_EQ(plan.foreign.size(), 1u);
  EXPECT_EQ(plan.foreign[0].controller, "");
}

TEST(PlanChildrenTest, ObjectsItDoesNotControlAreNeverDeleted) {
  json stray = Render("{expose: {type: NodePort}}").external_service;
  stray["metadata"]["ownerReferences"][0]["uid"] = "someone-else";
  EXPECT_TRUE(PlanChildren(Render(""), StoredAll(Render("")), kUid).actions.empty());
  auto stored = StoredAll(Render(""));
  stored.push_back({ChildKind::kService, stray});
  EXPECT_TRUE(PlanChildren(Render(""), stored, kUid).actions.empty());
}

TEST(ChildPatchTest, ServicePatchNeverWritesClusterIpAndRemovesDroppedExternalIps) {
  auto before = Render("{expose: {type: LoadBalancer, externalIPs: [192.0.2.10]}}");
  auto after = Render("{expose: {type: LoadBalancer}, port: 9090}");
  ObservedChild stored = Stored(ChildKind::kService, before.external_service);
  json patch = ChildPatch(ChildKind::kService, after.external_service, stored.object);
  EXPECT_FALSE(patch["spec"].contains("clusterIP"));
  EXPECT_TRUE(patch["spec"]["externalIPs"].is_null());
  EXPECT_EQ(patch["spec"]["ports"][0]["targetPort"], "http");  // the pods' port by name, whatever its number
  EXPECT_EQ(patch["metadata"].size(), 2u);  // labels and the spec-hash annotation only
  json merged = stored.object;
  merged.merge_patch(patch);
  EXPECT_EQ(merged["spec"]["clusterIP"], "10.96.0.17");
  EXPECT_FALSE(merged["spec"].contains("externalIPs"));
  EXPECT_EQ(merged["metadata"]["ownerReferences"], stored.object["metadata"]["ownerReferences"]);
}

TEST(ChildPatchTest, DeploymentPatchRemovesDroppedNodeSelectorAndKeepsHpaReplicas) {
  auto before =
      Render("{replicas: {min: 1, max: 4}, nodeSelector: {gpu: 'true'}, serviceAccountName: reader}");
  auto after = Render("{replicas: {min: 1, max: 4}}");
  ObservedChild stored = Stored(ChildKind::kDeployment, before.deployment);
  json patch = ChildPatch(ChildKind::kDeployment, after.deployment, stored.object);
  EXPECT_TRUE(patch["spec"]["template"]["spec"]["nodeSelector"].is_null());
  EXPECT_TRUE(patch["spec"]["template"]["spec"]["serviceAccountName"].is_null());
  EXPECT_FALSE(patch["spec"]["template"]["spec"].contains("tolerations"));  // never set: nothing to remove
  json merged = stored.object;
  merged.merge_patch(patch);
  EXPECT_EQ(merged["spec"]["replicas"], 4);  // the autoscaler's value stays
  EXPECT_FALSE(merged["spec"]["template"]["spec"].contains("nodeSelector"));
  EXPECT_EQ(merged["spec"]["template"], after.deployment["spec"]["template"]);
}

TEST(ChildPatchTest, HpaPatchRemovesDroppedBehavior) {
  auto before = Render(
      "{replicas: {min: 1, max: 4}, autoscaling: {behavior: {scaleDown: {stabilizationWindowSeconds: 60}}}}");
  auto after = Render("{replicas: {min: 1, max: 6}}");
  json patch = ChildPatch(ChildKind::kHpa, after.hpa, Stored(ChildKind::kHpa, before.hpa).object);
  EXPECT_EQ(patch["spec"]["maxReplicas"], 6);
  ASSERT_TRUE(before.hpa["spec"].contains("behavior"));
  EXPECT_TRUE(patch["spec"]["behavior"].is_null());
}

StatusInput Input(const api::InferenceService& isvc) {
  StatusInput input;
  input.isvc = &isvc;
  input.url = "http://serving-wind-wf01.forecast.svc.cluster.local";
  input.now = std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000));
  return input;
}

json AvailableDeployment(int64_t ready) {
  return json::parse(R"({"metadata": {"name": "serving-wind-wf01-21", "generation": 2},
    "status": {"observedGeneration": 2, "replicas": 2, "readyReplicas": )" +
                     std::to_string(ready) + R"(, "availableReplicas": )" + std::to_string(ready) + R"(,
    "conditions": [{"type": "Available", "status": "True"}]}})");
}

TEST(ComputeStatusTest, ReadyFromTheDeploymentWithCountsAndUrl) {
  auto isvc = Parse();
  StatusInput input = Input(isvc);
  input.deployment = AvailableDeployment(1);
  api::InferenceServiceStatus status = ComputeStatus(input);
  EXPECT_EQ(status.url, input.url);
  EXPECT_EQ(status.replicas, 2);
  EXPECT_EQ(status.ready_replicas, 1);
  EXPECT_EQ(status.observed_generation, 3);
  ASSERT_EQ(status.conditions.size(), 1u);
  EXPECT_EQ(status.conditions[0].type, "Ready");
  EXPECT_EQ(status.conditions[0].status, "True");
  EXPECT_EQ(status.conditions[0].reason, "MinimumReplicasAvailable");
  EXPECT_EQ(status.conditions[0].last_transition_time, input.now);
}

TEST(ComputeStatusTest, AnUnchangedWorldGivesAnIdenticalStatus) {
  auto isvc = Parse("{host: wf01.example.com}");
  StatusInput input = Input(isvc);
  input.deployment = AvailableDeployment(2);
  api::InferenceServiceStatus first = ComputeStatus(input);
  input.previous = first;
  input.now += std::chrono::hours(1);
  api::InferenceServiceStatus second = ComputeStatus(input);
  EXPECT_EQ(api::InferenceServiceStatusToJson(first), api::InferenceServiceStatusToJson(second));
  // A status change moves lastTransitionTime.
  input.previous = second;
  input.deployment = nullptr;
  api::InferenceServiceStatus third = ComputeStatus(input);
  EXPECT_EQ(third.conditions[0].status, "False");
  EXPECT_EQ(third.conditions[0].reason, "DeploymentNotFound");
  EXPECT_EQ(third.conditions[0].last_transition_time, input.now);
}

TEST(ComputeStatusTest, HostWithoutGatewayApiIsAConditionWithAReason) {
  auto isvc = Parse("{host: wf01.example.com}");
  api::InferenceServiceStatus status = ComputeStatus(Input(isvc));
  ASSERT_EQ(status.conditions.size(), 2u);
  EXPECT_EQ(status.conditions[1].type, "TrafficRouted");
  EXPECT_EQ(status.conditions[1].status, "False");
  EXPECT_EQ(status.conditions[1].reason, "GatewayAPINotInstalled");
}

TEST(ComputeStatusTest, RoutedOnlyWithAParentGateway) {
  auto isvc = Parse("{host: wf01.example.com}");
  StatusInput input = Input(isvc);
  input.gateway_api_available = true;
  EXPECT_EQ(ComputeStatus(input).conditions[1].reason, "NoParentGateway");
  input.gateway_parents_configured = true;
  EXPECT_EQ(ComputeStatus(input).conditions[1].status, "True");
  EXPECT_EQ(ComputeStatus(input).conditions[1].reason, "HTTPRouteRendered");
}

// The URL column shows the host only when a Gateway routes it; until then the cluster-local Service.
TEST(ComputeStatusTest, UrlIsTheHostOnlyOnceRouted) {
  auto isvc = Parse("{host: wf01.example.com}");
  StatusInput input = Input(isvc);
  input.url = "http://wf01.example.com";  // what InferenceServiceUrl gives with the Gateway API served
  input.gateway_api_available = true;
  api::InferenceServiceStatus unrouted = ComputeStatus(input);
  EXPECT_EQ(unrouted.conditions[1].status, "False");
  EXPECT_EQ(unrouted.url, "http://serving-wind-wf01.forecast.svc.cluster.local");
  // The hint names the chart value a platform engineer sets, not only the operator flag.
  EXPECT_NE(unrouted.conditions[1].message.find("chart value gateway.parentRefs"), std::string::npos)
      << unrouted.conditions[1].message;
  input.gateway_parents_configured = true;
  EXPECT_EQ(ComputeStatus(input).url, "http://wf01.example.com");
  input.gateway_api_available = false;
  input.url = "http://serving-wind-wf01.forecast.svc.cluster.local";
  EXPECT_EQ(ComputeStatus(input).url, "http://serving-wind-wf01.forecast.svc.cluster.local");
}

// During a rolling update of a 3-replica Deployment the surge pod makes status.replicas 4; the
// InferenceService reports the desired 3.
TEST(ComputeStatusTest, ReplicasAreTheDesiredCountNotTheRolloutsPods) {
  auto isvc = Parse();
  StatusInput input = Input(isvc);
  input.deployment = json::parse(R"({"metadata": {"name": "serving-wind-wf01-21", "generation": 3},
    "spec": {"replicas": 3},
    "status": {"observedGeneration": 3, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3,
               "availableReplicas": 3, "conditions": [{"type": "Available", "status": "True"}]}})");
  api::InferenceServiceStatus status = ComputeStatus(input);
  EXPECT_EQ(status.replicas, 3);
  EXPECT_EQ(status.ready_replicas, 3);
}

TEST(ComputeStatusTest, NameClashReportsNoUrlNoCountsAndNotReady) {
  auto isvc = Parse();
  StatusInput input = Input(isvc);
  input.deployment = AvailableDeployment(2);  // the other InferenceService's
  input.name_clash =
      ForeignChildCondition(isvc, {{ChildKind::kDeployment, kChild, "InferenceService first"}});
  api::InferenceServiceStatus status = ComputeStatus(input);
  EXPECT_EQ(status.url, "");
  EXPECT_EQ(status.replicas, 0);
  ASSERT_EQ(status.conditions.size(), 2u);
  EXPECT_EQ(status.conditions[0].type, "Ready");
  EXPECT_EQ(status.conditions[0].reason, "NameClash");
  EXPECT_EQ(status.conditions[1].type, "NameClash");
  EXPECT_EQ(status.conditions[1].status, "True");
}

TEST(ComputeStatusTest, InvalidSpecNamesTheErrors) {
  auto isvc = Parse();
  StatusInput input = Input(isvc);
  input.invalid = {"spec.port: must be 1-65535"};
  api::InferenceServiceStatus status = ComputeStatus(input);
  ASSERT_EQ(status.conditions.size(), 1u);
  EXPECT_EQ(status.conditions[0].reason, "InvalidSpec");
  EXPECT_NE(status.conditions[0].message.find("spec.port: must be 1-65535"), std::string::npos);
}

}  // namespace
}  // namespace seed::controllers
