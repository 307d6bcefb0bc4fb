// Model version upgrades end to end: the real seed-operator against the emulator. What a client of
// the stable Service sees at every moment, replayed from the emulator's watch history, and what a
// canary does to the HTTPRoute.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "controllers/inference_service_rollout.h"
#include "inference_fixture.h"
#include "pipeline_testing/deployment_status.h"
#include "pipeline_testing/model_metrics_server.h"
#include "pipeline_testing/serving_replay.h"

namespace seed::inference_testing {
namespace {

using nlohmann::json;

constexpr char kOld[] = "serving-wind-wf01-21";
constexpr char kNew[] = "serving-wind-wf01-22";
constexpr char kStable[] = "serving-wind-wf01";
constexpr char kExternal[] = "serving-wind-wf01-external";

std::string IsvcYaml(const std::string& spec_extra) {
  return "apiVersion: seed.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: wind-wf01}\nspec:\n"
         "  model: {name: wind-wf01, version: v2.1, uri: pvc://models/wind-wf01}\n"
         "  resources: {requests: {cpu: 500m, memory: 256Mi}}\n" +
         spec_extra;
}

std::string Selected(const json& service) { return pipeline_testing::SelectedDeployment(service); }

// Every Service and Deployment state the watch stream shows from `from`, replayed for the stable Service.
int ReplayBackends(const std::vector<json>& services, const std::vector<json>& deployments,
                   std::vector<std::string>* bad) {
  std::vector<json> events = services;
  events.insert(events.end(), deployments.begin(), deployments.end());
  return pipeline_testing::ReplayBackends(events, {kStable}, bad);
}

std::vector<std::string> Reasons(const std::vector<std::string>& events) {
  std::vector<std::string> out;
  for (const auto& event : events) out.push_back(event.substr(0, event.find(':')));
  return out;
}

bool Has(const std::vector<std::string>& items, const std::string& wanted) {
  return std::find(items.begin(), items.end(), wanted) != items.end();
}

TEST_F(InferenceTest, AVersionUpgradeNeverLeavesTheStableServiceWithoutAnAvailableDeployment) {
  Start(/*gateway_api=*/false, {"--retire-delay", "2"});
  json isvc = CreateIsvc(IsvcYaml("  replicas: {min: 2, max: 6}\n  expose: {type: NodePort}\n"));
  const std::string from = isvc["metadata"]["resourceVersion"];
  ASSERT_TRUE(WaitChild("deployments", kOld));
  ASSERT_TRUE(WaitChild("services", kStable));
  ASSERT_TRUE(WaitChild("services", kExternal));
  // The autoscaler took v2.1 to 3 replicas; its pods loaded the model.
  PatchChild("deployments", kOld, {{"spec", {{"replicas", 3}}}}, "", "horizontal-pod-autoscaler");
  SetDeploymentAvailable(kOld, true);
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));
  const json stable_before = Child("services", kStable);
  const json external_before = Child("services", kExternal);
  const std::string old_rv = Child("deployments", kOld)["metadata"]["resourceVersion"];

  // A client polling the stable Service and the Deployment it selects, all through the upgrade.
  std::atomic<bool> stop{false};
  std::atomic<int> polls{0};
  std::mutex mu;
  std::vector<std::string> client_saw;
  std::thread client([&] {
    while (!stop) {
      const json service = Child("services", kStable);
      const json deployment = service.is_object() ? Child("deployments", Selected(service)) : json();
      ++polls;
      if (!controllers::DeploymentAvailable(deployment)) {
        std::lock_guard lock(mu);
        client_saw.push_back(service.is_object() ? "selects " + Selected(service) + ", not Available"
                                                 : "no stable Service");
      }
    }
  });

  const int64_t seq = LastWriteSeq();
  PatchIsvc("wind-wf01", {{"spec", {{"model", {{"version", "v2.2"}}}}}});
  ASSERT_TRUE(WaitChild("deployments", kNew));
  ASSERT_TRUE(Settle());
  // Pending: v2.2 exists with v2.1's replica count and no HPA; v2.1 keeps serving, untouched.
  EXPECT_EQ(Selected(Child("services", kStable)), kOld);
  EXPECT_EQ(Child("deployments", kNew)["spec"]["replicas"], 3);
  EXPECT_TRUE(Child("horizontalpodautoscalers", kNew).is_null());
  EXPECT_FALSE(Child("horizontalpodautoscalers", kOld).is_null());
  EXPECT_EQ(Child("deployments", kOld)["metadata"]["resourceVersion"], old_rv);
  json status = Isvc("wind-wf01")["status"];
  EXPECT_EQ(status["servingVersion"], "v2.1");
  EXPECT_EQ(status["rollout"]["phase"], "Progressing");
  EXPECT_EQ(status["traffic"], json::parse(R"([
      {"version": "v2.1", "deployment": "serving-wind-wf01-21", "percent": 100, "readyReplicas": 3},
      {"version": "v2.2", "deployment": "serving-wind-wf01-22", "percent": 0, "readyReplicas": 0}])"));
  EXPECT_EQ(Condition("wind-wf01", "Ready")["status"], "True");  // the old version serves
  EXPECT_EQ(Condition("wind-wf01", "RolledOut")["reason"], "Progressing");

  // v2.2 loads its model: the Services switch, then v2.1 is retired.
  SetDeploymentAvailable(kNew, true);
  ASSERT_TRUE(Eventually([&] { return Selected(Child("services", kStable)) == kNew; }));
  ASSERT_TRUE(WaitGone("deployments", kOld));
  ASSERT_TRUE(WaitGone("services", kOld));
  ASSERT_TRUE(WaitChild("horizontalpodautoscalers", kNew));
  ASSERT_TRUE(WaitGone("horizontalpodautoscalers", kOld));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));
  ASSERT_TRUE(Settle());
  stop = true;
  client.join();
  EXPECT_GT(polls.load(), 20);
  EXPECT_EQ(client_saw, std::vector<std::string>{});

  // The Services clients use kept their names, uids and addresses; only the selector moved.
  const json stable_after = Child("services", kStable);
  const json external_after = Child("services", kExternal);
  EXPECT_EQ(stable_after["metadata"]["uid"], stable_before["metadata"]["uid"]);
  EXPECT_EQ(stable_after["spec"]["clusterIP"], stable_before["spec"]["clusterIP"]);
  EXPECT_EQ(external_after["metadata"]["uid"], external_before["metadata"]["uid"]);
  EXPECT_EQ(external_after["spec"]["clusterIP"], external_before["spec"]["clusterIP"]);
  EXPECT_EQ(external_after["spec"]["ports"], external_before["spec"]["ports"]);  // the nodePort too
  EXPECT_EQ(Selected(external_after), kNew);

  // Every state the watch stream shows, in order: never a moment without an Available backend.
  std::vector<std::string> bad;
  const int checked = ReplayBackends(WatchHistory("services", from), WatchHistory("deployments", from), &bad);
  EXPECT_GT(checked, 5);
  EXPECT_EQ(bad, std::vector<std::string>{});

  // The operator never wrote v2.1 (its HPA's Deployment) and deleted nothing before the switch.
  for (const auto& write : OperatorWrites(seq)) {
    EXPECT_NE(write, "patch deployments serving-wind-wf01-21 200");
    EXPECT_NE(write.rfind("delete services serving-wind-wf01 ", 0), 0u) << write;
  }
  // Once v2.2 has its HPA, the autoscaler's replica count is left alone.
  PatchChild("deployments", kNew, {{"spec", {{"replicas", 5}}}}, "", "horizontal-pod-autoscaler");
  ASSERT_TRUE(Settle());
  EXPECT_EQ(Child("deployments", kNew)["spec"]["replicas"], 5);

  status = Isvc("wind-wf01")["status"];
  EXPECT_EQ(status["servingVersion"], "v2.2");
  EXPECT_EQ(status["rollout"]["phase"], "Complete");
  EXPECT_EQ(status["rollout"]["fromVersion"], "v2.1");
  const std::vector<std::string> reasons = Reasons(Events("wind-wf01"));
  for (const char* wanted : {"Normal RolloutStarted", "Normal TrafficSwitched", "Normal VersionRetired",
                             "Normal RolloutComplete"}) {
    EXPECT_TRUE(Has(reasons, wanted)) << wanted << " in " << json(Events("wind-wf01")).dump();
  }
}

TEST_F(InferenceTest, ANewVersionThatNeverBecomesReadyIsRolledBackWithTheOldOneUntouched) {
  Start(/*gateway_api=*/false, {"--retire-delay", "1"});
  CreateIsvc(IsvcYaml(""));
  ASSERT_TRUE(WaitChild("deployments", kOld));
  SetDeploymentAvailable(kOld, true);
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));
  const json old_before = Child("deployments", kOld);

  PatchIsvc("wind-wf01", {{"spec", {{"model", {{"version", "v2.2"}}}}}});
  ASSERT_TRUE(WaitChild("deployments", kNew));
  // Its rollout stalls: what the deployment controller reports after progressDeadlineSeconds.
  PatchChild("deployments", kNew, pipeline_testing::StalledDeploymentStatus(Child("deployments", kNew)),
             "status", "deployment-controller");
  ASSERT_TRUE(WaitGone("deployments", kNew));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["reason"] == "RolledBack"; }));
  ASSERT_TRUE(Settle());
  EXPECT_TRUE(Child("deployments", kNew).is_null());  // not re-created while the spec is unchanged
  EXPECT_EQ(Child("deployments", kOld)["metadata"]["resourceVersion"],
            old_before["metadata"]["resourceVersion"]);
  EXPECT_EQ(Selected(Child("services", kStable)), kOld);
  EXPECT_EQ(Condition("wind-wf01", "Ready")["status"], "True");
  json status = Isvc("wind-wf01")["status"];
  EXPECT_EQ(status["servingVersion"], "v2.1");
  EXPECT_EQ(status["rollout"]["phase"], "RolledBack");
  EXPECT_TRUE(Has(Reasons(Events("wind-wf01")), "Warning RolledBack"));
}

using MetricsServer = pipeline_testing::ModelMetricsServer;

using Backends = std::vector<std::pair<std::string, int64_t>>;

Backends Weights(const json& route) {
  Backends out;
  if (!route.is_object()) return out;
  for (const auto& backend : route["spec"]["rules"][0]["backendRefs"])
    out.push_back({backend["name"], backend["weight"]});
  return out;
}

constexpr char kCanary[] =
    "  host: wf01.models.example.com\n"
    "  rollout: {steps: [10, 50, 100], intervalSeconds: 300, maxErrorRatio: 0.05}\n";

TEST_F(InferenceTest, ACanaryFollowsTheStepsThenSwitches) {
  MetricsServer metrics;
  metrics.Set(100, 1);
  Start(/*gateway_api=*/true, {"--retire-delay", "1", "--canary-metrics-url", metrics.Url()},
        /*test_clock=*/true);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  cluster().SetClock(now);
  json isvc = CreateIsvc(IsvcYaml(kCanary));
  const std::string from = isvc["metadata"]["resourceVersion"];
  ASSERT_TRUE(WaitChild("deployments", kOld));
  SetDeploymentAvailable(kOld, true);
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));
  EXPECT_EQ(Weights(Child("httproutes", kStable)), (Backends{{kStable, 100}}));

  PatchIsvc("wind-wf01", {{"spec", {{"model", {{"version", "v2.2"}}}}}});
  ASSERT_TRUE(WaitChild("deployments", kNew));
  ASSERT_TRUE(Settle());
  EXPECT_EQ(Weights(Child("httproutes", kStable)),
            (Backends{{kStable, 100}}));  // nothing to a version not ready
  SetDeploymentAvailable(kNew, true);
  ASSERT_TRUE(Eventually([&] {
    return Weights(Child("httproutes", kStable)) == Backends{{kOld, 90}, {kNew, 10}};
  }));
  // The status follows the route (written after the children).
  EXPECT_TRUE(Eventually([&] {
    const json traffic = Isvc("wind-wf01")["status"].value("traffic", json::array());
    return traffic.size() == 2 && traffic[1]["percent"] == 10;
  })) << Isvc("wind-wf01")["status"].dump();
  ASSERT_TRUE(Settle());  // the step holds until the interval passes
  EXPECT_EQ(Weights(Child("httproutes", kStable)), (Backends{{kOld, 90}, {kNew, 10}}));
  now += std::chrono::seconds(300);
  cluster().SetClock(now);
  ASSERT_TRUE(Eventually([&] {
    return Weights(Child("httproutes", kStable)) == Backends{{kOld, 50}, {kNew, 50}};
  }));
  now += std::chrono::seconds(300);
  cluster().SetClock(now);
  ASSERT_TRUE(Eventually([&] { return Selected(Child("services", kStable)) == kNew; }));
  ASSERT_TRUE(Eventually([&] { return Weights(Child("httproutes", kStable)) == Backends{{kStable, 100}}; }));
  now += std::chrono::seconds(5);
  cluster().SetClock(now);
  ASSERT_TRUE(WaitGone("deployments", kOld));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));

  // The route's weights, as the watch stream saw them, followed the steps and nothing else.
  std::vector<Backends> seen;
  for (const auto& event : WatchHistory("httproutes", from)) {
    if (event["type"] == "DELETED") continue;
    Backends weights = Weights(event["object"]);
    if (seen.empty() || seen.back() != weights) seen.push_back(weights);
  }
  EXPECT_EQ(seen,
            (std::vector<Backends>{
                {{kStable, 100}}, {{kOld, 90}, {kNew, 10}}, {{kOld, 50}, {kNew, 50}}, {{kStable, 100}}}));
  std::vector<std::string> bad;
  EXPECT_GT(ReplayBackends(WatchHistory("services", from), WatchHistory("deployments", from), &bad), 3);
  EXPECT_EQ(bad, std::vector<std::string>{});
  // The error ratio was read from the new version's Service (1 % < 5 %).
  const auto asked = metrics.Asked();
  EXPECT_FALSE(asked.empty());
  for (const auto& service : asked) EXPECT_EQ(service, kNew);
  const std::vector<std::string> reasons = Reasons(Events("wind-wf01"));
  EXPECT_EQ(std::count(reasons.begin(), reasons.end(), "Normal CanaryStep"), 2);
  EXPECT_TRUE(Has(reasons, "Normal TrafficSwitched"));
}

TEST_F(InferenceTest, ACanaryWhoseErrorRatioPassesTheLimitIsRolledBack) {
  MetricsServer metrics;
  metrics.Set(100, 0);
  Start(/*gateway_api=*/true, {"--retire-delay", "1", "--canary-metrics-url", metrics.Url()},
        /*test_clock=*/true);
  cluster().SetClock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  CreateIsvc(IsvcYaml(kCanary));
  ASSERT_TRUE(WaitChild("deployments", kOld));
  SetDeploymentAvailable(kOld, true);
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));
  const std::string old_rv = Child("deployments", kOld)["metadata"]["resourceVersion"];
  PatchIsvc("wind-wf01", {{"spec", {{"model", {{"version", "v2.2"}}}}}});
  ASSERT_TRUE(WaitChild("deployments", kNew));
  SetDeploymentAvailable(kNew, true);
  ASSERT_TRUE(Eventually([&] {
    return Weights(Child("httproutes", kStable)) == Backends{{kOld, 90}, {kNew, 10}};
  }));

  metrics.Set(80, 20);  // 20 % of the canary's requests fail
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["reason"] == "RolledBack"; }));
  ASSERT_TRUE(Eventually([&] { return Weights(Child("httproutes", kStable)) == Backends{{kStable, 100}}; }));
  ASSERT_TRUE(WaitGone("deployments", kNew));
  ASSERT_TRUE(Settle());
  EXPECT_EQ(Selected(Child("services", kStable)), kOld);
  EXPECT_EQ(Child("deployments", kOld)["metadata"]["resourceVersion"], old_rv);
  const json rollout = Isvc("wind-wf01")["status"]["rollout"];
  EXPECT_EQ(rollout["phase"], "RolledBack");
  EXPECT_NE(rollout["message"].get<std::string>().find("error ratio 0.2"), std::string::npos)
      << rollout.dump();
  EXPECT_TRUE(Has(Reasons(Events("wind-wf01")), "Warning RolledBack"));
}

}  // namespace
}  // namespace seed::inference_testing

namespace seed::inference_testing {
namespace {

// Stream mode: only a Deployment; a version change overlaps the two, then retires the old one.
TEST_F(InferenceTest, AStreamServiceIsOnlyADeploymentAndItsUpgradeOverlapsThenRetires) {
  Start(/*gateway_api=*/true, {"--retire-delay", "1"});
  CreateIsvc(
      IsvcYaml("  stream: {broker: 'mqtt://broker.plant.local:1883', inputTopic: plant/wf01/features,"
               " outputTopic: plant/wf01/forecast, secretRef: {name: mqtt-wf01}}\n"));
  ASSERT_TRUE(WaitChild("deployments", kOld));
  EXPECT_EQ(Child("deployments", kOld)["spec"]["template"]["spec"]["containers"][0]["args"][0], "stream");
  SetDeploymentAvailable(kOld, true);
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));
  ASSERT_TRUE(Settle());
  for (const auto& write : OperatorWrites(0)) {
    EXPECT_EQ(write.find(" services "), std::string::npos) << write;  // not inferenceservices
    EXPECT_EQ(write.find("horizontalpodautoscalers"), std::string::npos) << write;
    EXPECT_EQ(write.find("httproutes"), std::string::npos) << write;
  }
  PatchIsvc("wind-wf01", {{"spec", {{"model", {{"version", "v2.2"}}}}}});
  ASSERT_TRUE(WaitChild("deployments", kNew));
  ASSERT_TRUE(Settle());
  EXPECT_FALSE(Child("deployments", kOld).is_null());  // keeps consuming until v2.2 is Available
  SetDeploymentAvailable(kNew, true);
  ASSERT_TRUE(WaitGone("deployments", kOld));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "RolledOut")["status"] == "True"; }));
  const std::vector<std::string> reasons = Reasons(Events("wind-wf01"));
  for (const char* wanted : {"Normal RolloutStarted", "Normal TrafficSwitched", "Normal VersionRetired"}) {
    EXPECT_TRUE(Has(reasons, wanted)) << wanted;
  }
}

}  // namespace
}  // namespace seed::inference_testing
