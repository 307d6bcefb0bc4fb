// The rollout decision at each stage of a model upgrade, and the plan it leads to: what a client
// of the stable Service sees at every moment.
#include "controllers/inference_service_rollout.h"

#include <gtest/gtest.h>

#include <map>

#include "api/yaml_json.h"
#include "controllers/inference_service_plan.h"
#include "render/labels.h"

namespace seed::controllers {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr char kUid[] = "5d3c1f0e-1111-4b7a-9c55-0a1b2c3d4e5f";
constexpr char kOld[] = "serving-wind-wf01-21";
constexpr char kNew[] = "serving-wind-wf01-22";
constexpr char kStable[] = "serving-wind-wf01";
const std::chrono::sys_seconds kStart{seconds(1'800'000'000)};

api::InferenceService Parse(const std::string& version, const std::string& extra = "",
                            int64_t generation = 3) {
  json object =
      api::ParseYamlDocuments(
          "apiVersion: seed.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: wind-wf01, namespace: "
          "forecast, uid: " +
          std::string(kUid) + ", generation: " + std::to_string(generation) +
          "}\nspec:\n  model: {name: wind-wf01, version: " + version +
          ", uri: pvc://models/wind-wf01}\n  resources: {requests: {cpu: 500m}}\n" + extra)
          .at(0)
          .value;
  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(object, &errors);
  for (const auto& error : errors) ADD_FAILURE() << api::FormatError(error);
  return isvc;
}

// The API server and the deployment controller, reduced to what the rollout reads: objects by
// (kind, name), created with a uid, and Deployments made Available (or stalled) by the test.
class World {
 public:
  void Apply(const ChildPlan& plan) {
    ASSERT_TRUE(plan.foreign.empty());
    for (const auto& action : plan.actions) {
      const auto key = std::make_pair(action.kind, action.name);
      switch (action.type) {
        case ChildActionType::kCreate: {
          json object = action.body;
          object["metadata"]["uid"] = "uid-" + action.name;
          object["metadata"]["generation"] = 1;
          if (action.kind == ChildKind::kDeployment && !object["spec"].contains("replicas"))
            object["spec"]["replicas"] = 1;
          objects_[key] = object;
          break;
        }
        case ChildActionType::kPatch:
          ASSERT_TRUE(objects_.count(key)) << action.name;
          objects_[key].merge_patch(action.body);
          if (action.kind == ChildKind::kDeployment) objects_[key]["metadata"]["generation"] = 2;
          break;
        case ChildActionType::kDelete:
          objects_.erase(key);
          break;
      }
    }
  }
  void SetAvailable(const std::string& name, bool available) {
    json& deployment = objects_.at({ChildKind::kDeployment, name});
    const int64_t replicas = deployment["spec"].value("replicas", int64_t{1});
    deployment["status"] = {
        {"observedGeneration", deployment["metadata"]["generation"]},
        {"replicas", replicas},
        {"updatedReplicas", replicas},
        {"readyReplicas", available ? replicas : 0},
        {"availableReplicas", available ? replicas : 0},
        {"conditions", json::array({{{"type", "Available"}, {"status", available ? "True" : "False"}}})}};
  }
  void SetStalled(const std::string& name) {
    json& deployment = objects_.at({ChildKind::kDeployment, name});
    deployment["status"]["observedGeneration"] = deployment["metadata"]["generation"];
    deployment["status"]["conditions"] =
        json::array({{{"type", "Progressing"}, {"status", "False"}, {"reason", "ProgressDeadlineExceeded"}}});
  }
  bool Has(ChildKind kind, const std::string& name) const { return objects_.count({kind, name}) > 0; }
  const json& Get(ChildKind kind, const std::string& name) const { return objects_.at({kind, name}); }

  std::vector<ObservedChild> Observed() const {
    std::vector<ObservedChild> out;
    for (const auto& [key, object] : objects_) out.push_back({key.first, object});
    return out;
  }
  RolloutInput Input(const api::InferenceService& isvc) const {
    RolloutInput input;
    input.isvc = &isvc;
    for (const auto& [key, object] : objects_) {
      if (key.first == ChildKind::kDeployment) input.deployments.push_back(object);
      if (key.first == ChildKind::kService && key.second == kStable) input.stable_service = object;
    }
    return input;
  }
  // The version the stable Service selects, and whether an Available Deployment backs it.
  std::string Selected() const {
    if (!Has(ChildKind::kService, kStable)) return "";
    return Get(ChildKind::kService, kStable)["spec"]["selector"].value("app.kubernetes.io/instance", "");
  }
  bool SelectedIsAvailable() const {
    const std::string selected = Selected();
    return Has(ChildKind::kDeployment, selected) &&
           DeploymentAvailable(Get(ChildKind::kDeployment, selected));
  }

 private:
  std::map<std::pair<ChildKind, std::string>, json> objects_;
};

render::InferenceServiceOptions Options(bool gateway) {
  render::InferenceServiceOptions options;
  options.gateway_api_available = gateway;
  options.gateway_parent_refs = json::parse(R"([{"name": "seed-gateway"}])");
  return options;
}

// One reconcile: decide, render, plan, apply. Returns the decision (its status is "stored").
RolloutDecision Reconcile(World& world, const api::InferenceService& isvc, api::RolloutStatus* stored,
                          std::chrono::sys_seconds now, bool gateway = false,
                          std::optional<double> error_ratio = std::nullopt) {
  RolloutInput input = world.Input(isvc);
  input.previous = *stored;
  input.now = now;
  input.canary = isvc.spec.rollout.has_value() && gateway;
  input.error_ratio = error_ratio;
  RolloutDecision decision = DecideRollout(input);
  auto desired = render::RenderInferenceService(isvc, Options(gateway), decision.view);
  world.Apply(PlanChildren(desired, world.Observed(), kUid, decision.keep));
  *stored = decision.status;
  return decision;
}

std::vector<std::string> Reasons(const RolloutDecision& decision) {
  std::vector<std::string> out;
  for (const auto& event : decision.events) out.push_back(event.reason);
  return out;
}

// v2.1 serving with `replicas` replicas, as a finished first rollout leaves it.
World Serving(const api::InferenceService& v21, api::RolloutStatus* stored) {
  World world;
  Reconcile(world, v21, stored, kStart - seconds(3600));
  world.SetAvailable(kOld, true);
  Reconcile(world, v21, stored, kStart - seconds(3600));
  EXPECT_EQ(stored->phase, "Complete");
  return world;
}

TEST(RolloutTest, FirstCreateServesTheOnlyVersionAtOnce) {
  World world;
  api::RolloutStatus stored;
  auto isvc = Parse("v2.1");
  RolloutDecision first = Reconcile(world, isvc, &stored, kStart);
  EXPECT_EQ(world.Selected(), kOld);
  EXPECT_EQ(stored.phase, "Progressing");
  EXPECT_TRUE(first.events.empty());
  world.SetAvailable(kOld, true);
  RolloutDecision ready = Reconcile(world, isvc, &stored, kStart + seconds(5));
  EXPECT_EQ(stored.phase, "Complete");
  EXPECT_EQ(stored.from_version, "");
  EXPECT_TRUE(ready.events.empty());  // nothing was upgraded
  ASSERT_EQ(ready.traffic.size(), 1u);
  EXPECT_EQ(ready.traffic[0].version, "v2.1");
  EXPECT_EQ(ready.traffic[0].percent, 100);
}

// The lesson: bumping the version must not take the serving version away. Stage by stage.
TEST(RolloutTest, AVersionBumpKeepsTheOldVersionServingUntilTheNewOneIsAvailable) {
  api::RolloutStatus stored;
  World world = Serving(Parse("v2.1"), &stored);
  const json stable_before = world.Get(ChildKind::kService, kStable);
  auto v22 = Parse("v2.2", "", 4);

  // 1. New version pending: it is created; the old one is still there and still selected.
  RolloutDecision pending = Reconcile(world, v22, &stored, kStart);
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kNew));
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_TRUE(world.Has(ChildKind::kService, kOld));
  EXPECT_EQ(world.Selected(), kOld);
  EXPECT_TRUE(world.SelectedIsAvailable());
  EXPECT_EQ(world.Get(ChildKind::kService, kStable), stable_before);  // not even patched
  EXPECT_EQ(pending.serving_version, "v2.1");
  EXPECT_EQ(stored.phase, "Progressing");
  EXPECT_EQ(stored.from_version, "v2.1");
  EXPECT_EQ(Reasons(pending), std::vector<std::string>{"RolloutStarted"});
  ASSERT_EQ(pending.traffic.size(), 2u);
  EXPECT_EQ(pending.traffic[0].percent, 100);
  EXPECT_EQ(pending.traffic[1].version, "v2.2");
  EXPECT_EQ(pending.traffic[1].percent, 0);
  // Reconciling again while pending changes nothing and says nothing new.
  RolloutDecision again = Reconcile(world, v22, &stored, kStart + seconds(30));
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(world.Selected(), kOld);

  // 2. New Available: the stable Service switches; the old one stays for the retire delay.
  world.SetAvailable(kNew, true);
  RolloutDecision switched = Reconcile(world, v22, &stored, kStart + seconds(60));
  EXPECT_EQ(world.Selected(), kNew);
  EXPECT_TRUE(world.SelectedIsAvailable());
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_EQ(Reasons(switched), std::vector<std::string>{"TrafficSwitched"});
  EXPECT_EQ(switched.requeue_after, kDefaultRetireDelay);
  EXPECT_EQ(world.Get(ChildKind::kService, kStable)["metadata"]["uid"], stable_before["metadata"]["uid"]);
  RolloutDecision lingering = Reconcile(world, v22, &stored, kStart + seconds(65));
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_EQ(lingering.requeue_after, seconds(5));
  EXPECT_TRUE(lingering.events.empty());

  // 3. Then the old version is retired.
  RolloutDecision retired = Reconcile(world, v22, &stored, kStart + seconds(70));
  EXPECT_FALSE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_FALSE(world.Has(ChildKind::kService, kOld));
  EXPECT_TRUE(world.Has(ChildKind::kService, kStable));
  EXPECT_EQ(Reasons(retired), (std::vector<std::string>{"VersionRetired", "RolloutComplete"}));
  EXPECT_EQ(stored.phase, "Complete");
  EXPECT_EQ(stored.from_version, "v2.1");
  EXPECT_EQ(world.Get(ChildKind::kService, kStable)["metadata"]["uid"], stable_before["metadata"]["uid"]);
  // An autoscaler adding pods later is not a rollout: it stays Complete, without new events.
  ChildPlan scale_up;
  scale_up.actions.push_back(
      {ChildActionType::kPatch, ChildKind::kDeployment, kNew, {{"spec", {{"replicas", 4}}}}});
  world.Apply(scale_up);
  RolloutDecision scaled = Reconcile(world, v22, &stored, kStart + seconds(900));
  EXPECT_EQ(stored.phase, "Complete");
  EXPECT_TRUE(scaled.events.empty());
}

// A version bump that also moves the server's port: the stable Service (still selecting the old
// pods on the old port) is not touched; it targets the port by name, so both versions are reached.
TEST(RolloutTest, AVersionAndPortChangeLeavesTheStableServiceAlone) {
  api::RolloutStatus stored;
  World world = Serving(Parse("v2.1"), &stored);
  const json stable_before = world.Get(ChildKind::kService, kStable);
  EXPECT_EQ(stable_before["spec"]["ports"][0]["targetPort"], "http");
  auto moved = Parse("v2.2", "  port: 9090\n", 4);
  Reconcile(world, moved, &stored, kStart);
  EXPECT_EQ(world.Get(ChildKind::kService, kStable), stable_before);
  EXPECT_EQ(world.Get(ChildKind::kDeployment, kNew)["spec"]["template"]["spec"]["containers"][0]["ports"][0],
            json::parse(R"({"name": "http", "containerPort": 9090, "protocol": "TCP"})"));
  EXPECT_EQ(world.Get(ChildKind::kDeployment,
                      kOld)["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"],
            8080);
}

// Under an HPA: the incoming version runs as many replicas as the serving one (written by the
// operator, no HPA of its own); at the switch it gets the HPA and its replicas are never written again.
TEST(RolloutTest, NoHpaIsFoughtOverReplicasDuringARollout) {
  api::RolloutStatus stored;
  World world = Serving(Parse("v2.1", "  replicas: {min: 2, max: 8}\n"), &stored);
  ASSERT_TRUE(world.Has(ChildKind::kHpa, kOld));
  auto v22 = Parse("v2.2", "  replicas: {min: 2, max: 8}\n", 4);
  // The old HPA scaled v2.1 to 5 (the test's own write, as the autoscaler's).
  World scaled_world = world;
  ChildPlan hpa_write;
  hpa_write.actions.push_back(
      {ChildActionType::kPatch, ChildKind::kDeployment, kOld, {{"spec", {{"replicas", 5}}}}});
  scaled_world.Apply(hpa_write);
  scaled_world.SetAvailable(kOld, true);
  Reconcile(scaled_world, v22, &stored, kStart);
  EXPECT_FALSE(scaled_world.Has(ChildKind::kHpa, kNew));
  EXPECT_TRUE(scaled_world.Has(ChildKind::kHpa, kOld));
  EXPECT_EQ(scaled_world.Get(ChildKind::kDeployment, kNew)["spec"]["replicas"], 5);
  EXPECT_EQ(scaled_world.Get(ChildKind::kDeployment, kOld)["spec"]["replicas"], 5);  // untouched
  scaled_world.SetAvailable(kNew, true);
  // At the switch the new version's HPA is created and the operator's patch leaves replicas alone.
  RolloutInput input = scaled_world.Input(v22);
  input.previous = stored;
  input.now = kStart + seconds(60);
  RolloutDecision decision = DecideRollout(input);
  auto desired = render::RenderInferenceService(v22, Options(false), decision.view);
  ChildPlan plan = PlanChildren(desired, scaled_world.Observed(), kUid, decision.keep);
  bool hpa_created = false;
  for (const auto& action : plan.actions) {
    if (action.kind == ChildKind::kHpa && action.type == ChildActionType::kCreate) hpa_created = true;
    if (action.kind == ChildKind::kDeployment) {
      EXPECT_EQ(action.name, kNew);
      EXPECT_FALSE(action.body["spec"].contains("replicas")) << action.body.dump();
    }
    EXPECT_FALSE(action.type == ChildActionType::kDelete) << action.name;  // v2.1 and its HPA stay for now
  }
  EXPECT_TRUE(hpa_created);
}

TEST(RolloutTest, ANewVersionThatStallsIsRolledBackAndTheOldOneUntouched) {
  api::RolloutStatus stored;
  World world = Serving(Parse("v2.1"), &stored);
  const json old_deployment = world.Get(ChildKind::kDeployment, kOld);
  auto v22 = Parse("v2.2", "", 4);
  Reconcile(world, v22, &stored, kStart);
  world.SetStalled(kNew);
  RolloutDecision rolled_back = Reconcile(world, v22, &stored, kStart + seconds(600));
  EXPECT_EQ(Reasons(rolled_back), std::vector<std::string>{"RolledBack"});
  EXPECT_EQ(stored.phase, "RolledBack");
  EXPECT_FALSE(world.Has(ChildKind::kDeployment, kNew));
  EXPECT_FALSE(world.Has(ChildKind::kService, kNew));
  EXPECT_EQ(world.Get(ChildKind::kDeployment, kOld), old_deployment);
  EXPECT_EQ(world.Selected(), kOld);
  // It stays rolled back (no new Deployment) while the spec is unchanged ...
  RolloutDecision held = Reconcile(world, v22, &stored, kStart + seconds(700));
  EXPECT_TRUE(held.events.empty());
  EXPECT_FALSE(world.Has(ChildKind::kDeployment, kNew));
  EXPECT_EQ(stored.phase, "RolledBack");
  // ... and tries again when it changes.
  Reconcile(world, Parse("v2.2", "", 5), &stored, kStart + seconds(800));
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kNew));
  EXPECT_EQ(stored.phase, "Progressing");
  EXPECT_EQ(world.Selected(), kOld);
}

constexpr char kCanary[] =
    "  host: wf01.example.com\n  rollout: {steps: [10, 50, 100], intervalSeconds: 300, maxErrorRatio: "
    "0.02}\n";

std::vector<std::pair<std::string, int64_t>> Weights(const World& world) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& backend : world.Get(ChildKind::kRoute, kStable)["spec"]["rules"][0]["backendRefs"])
    out.push_back({backend["name"], backend["weight"]});
  return out;
}

TEST(RolloutTest, ACanaryStepsTheRouteWeightsThenSwitches) {
  api::RolloutStatus stored;
  World world;
  auto v21 = Parse("v2.1", kCanary);
  Reconcile(world, v21, &stored, kStart - seconds(3600), true);
  world.SetAvailable(kOld, true);
  Reconcile(world, v21, &stored, kStart - seconds(3600), true);
  using Backends = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(Weights(world), (Backends{{kStable, 100}}));

  auto v22 = Parse("v2.2", kCanary, 4);
  Reconcile(world, v22, &stored, kStart, true);
  EXPECT_EQ(Weights(world), (Backends{{kStable, 100}}));  // pending: no weight to a version not ready
  world.SetAvailable(kNew, true);
  RolloutDecision step0 = Reconcile(world, v22, &stored, kStart + seconds(10), true);
  EXPECT_EQ(Weights(world), (Backends{{kOld, 90}, {kNew, 10}}));
  EXPECT_EQ(Reasons(step0), std::vector<std::string>{"CanaryStep"});
  EXPECT_EQ(step0.requeue_after, seconds(300));
  EXPECT_EQ(world.Selected(), kOld);
  RolloutDecision early = Reconcile(world, v22, &stored, kStart + seconds(200), true);
  EXPECT_EQ(Weights(world), (Backends{{kOld, 90}, {kNew, 10}}));
  EXPECT_EQ(early.requeue_after, seconds(110));
  EXPECT_TRUE(early.events.empty());
  RolloutDecision step1 = Reconcile(world, v22, &stored, kStart + seconds(310), true);
  EXPECT_EQ(Weights(world), (Backends{{kOld, 50}, {kNew, 50}}));
  EXPECT_EQ(Reasons(step1), std::vector<std::string>{"CanaryStep"});
  ASSERT_EQ(step1.traffic.size(), 2u);
  EXPECT_EQ(step1.traffic[1].percent, 50);
  RolloutDecision promoted = Reconcile(world, v22, &stored, kStart + seconds(610), true);
  EXPECT_EQ(Reasons(promoted), std::vector<std::string>{"TrafficSwitched"});
  EXPECT_EQ(world.Selected(), kNew);
  EXPECT_EQ(Weights(world), (Backends{{kStable, 100}}));
  Reconcile(world, v22, &stored, kStart + seconds(700), true);
  EXPECT_FALSE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_EQ(stored.phase, "Complete");
}

TEST(RolloutTest, ACanaryIsRolledBackWhenItsErrorRatioPassesTheLimitOrItStopsBeingReady) {
  for (bool by_errors : {true, false}) {
    SCOPED_TRACE(by_errors ? "error ratio" : "readiness");
    api::RolloutStatus stored;
    World world;
    auto v21 = Parse("v2.1", kCanary);
    Reconcile(world, v21, &stored, kStart - seconds(3600), true);
    world.SetAvailable(kOld, true);
    Reconcile(world, v21, &stored, kStart - seconds(3600), true);
    auto v22 = Parse("v2.2", kCanary, 4);
    Reconcile(world, v22, &stored, kStart, true);
    world.SetAvailable(kNew, true);
    Reconcile(world, v22, &stored, kStart + seconds(10), true, 0.01);  // under the limit: step 0
    EXPECT_EQ(stored.phase, "Progressing");
    std::optional<double> ratio = 0.01;
    if (by_errors) {
      ratio = 0.2;
    } else {
      world.SetAvailable(kNew, false);
    }
    RolloutDecision decision = Reconcile(world, v22, &stored, kStart + seconds(20), true, ratio);
    EXPECT_EQ(Reasons(decision), std::vector<std::string>{"RolledBack"});
    EXPECT_EQ(stored.phase, "RolledBack");
    EXPECT_EQ(Weights(world), (std::vector<std::pair<std::string, int64_t>>{{kStable, 100}}));
    EXPECT_EQ(world.Selected(), kOld);
    EXPECT_FALSE(world.Has(ChildKind::kDeployment, kNew));
    EXPECT_TRUE(world.SelectedIsAvailable());
  }
}

// Stream mode has no Services: the new version starts beside the old one, both consume once it is
// Available, then the old one retires after the delay.
TEST(RolloutTest, AStreamUpgradeOverlapsThenRetiresTheOldVersion) {
  constexpr char kStream[] = "  stream: {broker: 'mqtt://broker:1883', inputTopic: in, outputTopic: out}\n";
  World world;
  api::RolloutStatus stored;
  auto stream_reconcile = [&](const api::InferenceService& isvc, std::chrono::sys_seconds now) {
    RolloutInput input = world.Input(isvc);
    input.previous = stored;
    input.now = now;
    input.stream = true;
    RolloutDecision decision = DecideRollout(input);
    world.Apply(PlanChildren(render::RenderInferenceService(isvc, Options(false), decision.view),
                             world.Observed(), kUid, decision.keep));
    stored = decision.status;
    return decision;
  };
  auto v21 = Parse("v2.1", kStream);
  stream_reconcile(v21, kStart - seconds(100));
  world.SetAvailable(kOld, true);
  stream_reconcile(v21, kStart - seconds(90));
  EXPECT_EQ(stored.phase, "Complete");
  EXPECT_FALSE(world.Has(ChildKind::kService, kStable));

  auto v22 = Parse("v2.2", kStream, 4);
  RolloutDecision pending = stream_reconcile(v22, kStart);
  EXPECT_EQ(Reasons(pending), std::vector<std::string>{"RolloutStarted"});
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kNew));
  EXPECT_EQ(pending.serving_version, "v2.1");
  world.SetAvailable(kNew, true);
  RolloutDecision overlap = stream_reconcile(v22, kStart + seconds(30));
  EXPECT_EQ(Reasons(overlap), std::vector<std::string>{"TrafficSwitched"});
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_EQ(overlap.requeue_after, kDefaultRetireDelay);
  EXPECT_TRUE(stream_reconcile(v22, kStart + seconds(35)).events.empty());
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kOld));
  RolloutDecision retired = stream_reconcile(v22, kStart + seconds(40));
  EXPECT_EQ(Reasons(retired), (std::vector<std::string>{"VersionRetired", "RolloutComplete"}));
  EXPECT_FALSE(world.Has(ChildKind::kDeployment, kOld));
  EXPECT_EQ(stored.phase, "Complete");
  EXPECT_EQ(stored.from_version, "v2.1");
  EXPECT_TRUE(stream_reconcile(v22, kStart + seconds(100)).events.empty());
}

// Children made before the stable names existed (version-named Service, no stable Service): the
// Available old version keeps serving through the new stable Service while the new one starts.
TEST(RolloutTest, ChildrenFromBeforeStableNamesKeepServing) {
  World world;
  api::RolloutStatus stored;
  auto v21 = Parse("v2.1");
  Reconcile(world, v21, &stored, kStart - seconds(3600));
  world.SetAvailable(kOld, true);
  ChildPlan drop;
  drop.actions.push_back({ChildActionType::kDelete, ChildKind::kService, kStable, nullptr});
  world.Apply(drop);
  api::RolloutStatus none;
  Reconcile(world, Parse("v2.2", "", 4), &none, kStart);
  EXPECT_EQ(world.Selected(), kOld);
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kOld));
}

// A stable Service that selects a version whose Deployment is gone (deleted by hand, or a view in
// which one cache is behind another) does not hand the traffic to a new version that is not
// Available yet: the Available version serves, and is not deleted.
TEST(RolloutTest, AStableServiceSelectingAGoneVersionFallsBackToTheAvailableOne) {
  api::RolloutStatus stored;
  World world = Serving(Parse("v2.1"), &stored);
  auto v22 = Parse("v2.2", "", 4);
  Reconcile(world, v22, &stored, kStart);
  ChildPlan elsewhere;
  elsewhere.actions.push_back(
      {ChildActionType::kPatch,
       ChildKind::kService,
       kStable,
       {{"metadata", {{"annotations", {{render::kSpecHashAnnotation, "edited"}}}}},
        {"spec", {{"selector", {{"app.kubernetes.io/instance", "serving-wind-wf01-20"}}}}}}});
  world.Apply(elsewhere);

  RolloutDecision decision = Reconcile(world, v22, &stored, kStart + seconds(5));
  EXPECT_EQ(world.Selected(), kOld);
  EXPECT_TRUE(world.SelectedIsAvailable());
  EXPECT_TRUE(world.Has(ChildKind::kDeployment, kNew));
  EXPECT_EQ(decision.serving_version, "v2.1");
  EXPECT_EQ(stored.phase, "Progressing");
}

}  // namespace
}  // namespace seed::controllers
