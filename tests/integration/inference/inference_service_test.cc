// The InferenceService controller end to end: the real seed-operator against the emulator.
#include "api/inference_service.h"

#include <gtest/gtest.h>

#include "inference_fixture.h"
#include "render/inference_service.h"

namespace seed::inference_testing {
namespace {

using nlohmann::json;

constexpr char kChild[] = "serving-wind-wf01-21";  // the version's Deployment, Service and HPA
constexpr char kStable[] = "serving-wind-wf01";    // the Service clients use, -external, HTTPRoute

// An InferenceService named `name` in "default"; `spec_extra` is YAML flow-map content merged into spec.
std::string IsvcYaml(const std::string& name, const std::string& spec_extra) {
  return "apiVersion: seed.dev/v1alpha1\nkind: InferenceService\nmetadata: {name: " + name +
         "}\nspec:\n  model: {name: wind-wf01, version: v2.1, uri: pvc://models/wind-wf01/v2.1}\n"
         "  resources: {requests: {cpu: 500m, memory: 256Mi}}\n" +
         spec_extra;
}

json OwnerOf(const json& isvc) {
  return json::array({{{"apiVersion", "seed.dev/v1alpha1"},
                       {"kind", "InferenceService"},
                       {"name", isvc["metadata"]["name"]},
                       {"uid", isvc["metadata"]["uid"]},
                       {"controller", true},
                       {"blockOwnerDeletion", true}}});
}

// What the operator renders for the stored object, with the options the fixture starts it with.
render::InferenceServiceChildren Desired(const json& stored, bool gateway_api) {
  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(stored, &errors);
  EXPECT_TRUE(errors.empty());
  render::InferenceServiceOptions options;
  options.default_image = "seed-job:test";
  options.gateway_api_available = gateway_api;
  options.gateway_parent_refs = json::array({{{"namespace", "gateway-system"}, {"name", "seed-gateway"}}});
  return render::RenderInferenceService(isvc, options);
}

TEST_F(InferenceTest, CreateMakesEveryChildWithOwnerLabelsAndRoute) {
  Start(/*gateway_api=*/true);
  const int64_t before = LastWriteSeq();
  json isvc = CreateIsvc(IsvcYaml("wind-wf01",
                                  "  replicas: {min: 1, max: 3}\n"
                                  "  host: wf01.models.example.com\n"
                                  "  expose: {type: NodePort}\n"
                                  "  traffic: {split: [{service: serving-wind-wf01-20, percent: 20}],"
                                  " mirror: {service: shadow-wf01, percent: 50}}\n"));
  for (const char* plural : {"deployments", "services", "horizontalpodautoscalers"}) {
    ASSERT_TRUE(WaitChild(plural, kChild)) << plural;
  }
  ASSERT_TRUE(WaitChild("services", kStable));
  ASSERT_TRUE(WaitChild("httproutes", kStable));
  ASSERT_TRUE(WaitChild("services", std::string(kStable) + "-external"));
  const render::InferenceServiceChildren desired = Desired(isvc, true);

  json deployment = Child("deployments", kChild);
  EXPECT_EQ(deployment["metadata"]["ownerReferences"], OwnerOf(isvc));
  EXPECT_EQ(deployment["metadata"]["labels"], desired.deployment["metadata"]["labels"]);
  EXPECT_EQ(deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"], "seed-operator");
  EXPECT_EQ(deployment["metadata"]["labels"]["seed.dev/inferenceservice"], "wind-wf01");
  EXPECT_EQ(deployment["metadata"]["annotations"]["seed.dev/spec-hash"],
            desired.deployment["metadata"]["annotations"]["seed.dev/spec-hash"]);
  EXPECT_EQ(deployment["spec"]["template"], desired.deployment["spec"]["template"]);
  EXPECT_EQ(deployment["spec"]["replicas"], 1);  // the server's default: an HPA owns the count
  EXPECT_FALSE(desired.deployment["spec"].contains("replicas"));

  json service = Child("services", kStable);
  EXPECT_EQ(service["metadata"]["ownerReferences"], OwnerOf(isvc));
  EXPECT_EQ(service["spec"]["selector"], desired.service["spec"]["selector"]);
  EXPECT_EQ(service["spec"]["ports"], desired.service["spec"]["ports"]);
  EXPECT_TRUE(service["spec"].contains("clusterIP"));  // the server's

  json external = Child("services", std::string(kStable) + "-external");
  EXPECT_EQ(external["spec"]["type"], "NodePort");
  EXPECT_EQ(external["metadata"]["ownerReferences"], OwnerOf(isvc));

  json hpa = Child("horizontalpodautoscalers", kChild);
  EXPECT_EQ(hpa["spec"], desired.hpa["spec"]);
  EXPECT_EQ(hpa["spec"]["minReplicas"], 1);
  EXPECT_EQ(hpa["spec"]["maxReplicas"], 3);
  EXPECT_EQ(hpa["spec"]["scaleTargetRef"]["name"], kChild);
  EXPECT_EQ(hpa["metadata"]["ownerReferences"], OwnerOf(isvc));

  json route = Child("httproutes", kStable);
  EXPECT_EQ(route["metadata"]["ownerReferences"], OwnerOf(isvc));
  EXPECT_EQ(route["spec"]["parentRefs"],
            json::parse(R"([{"namespace": "gateway-system", "name": "seed-gateway"}])"));
  EXPECT_EQ(route["spec"]["hostnames"], json::parse(R"(["wf01.models.example.com"])"));
  EXPECT_EQ(route["spec"]["rules"][0]["backendRefs"], json::parse(R"([
      {"name": "serving-wind-wf01", "port": 80, "weight": 80},
      {"name": "serving-wind-wf01-20", "port": 80, "weight": 20}])"));
  EXPECT_EQ(route["spec"]["rules"][0]["filters"], json::parse(R"([{"type": "RequestMirror",
      "requestMirror": {"backendRef": {"name": "shadow-wf01", "port": 80}, "percent": 50}}])"));

  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "TrafficRouted").is_object(); }));
  json routed = Condition("wind-wf01", "TrafficRouted");
  EXPECT_EQ(routed["status"], "True");
  EXPECT_EQ(routed["reason"], "HTTPRouteRendered");
  json status = Isvc("wind-wf01")["status"];
  EXPECT_EQ(status["url"], "http://wf01.models.example.com");
  EXPECT_EQ(status["observedGeneration"], 1);
  json ready = Condition("wind-wf01", "Ready");
  EXPECT_EQ(ready["status"], "False");

  // Each child created exactly once.
  ASSERT_TRUE(Settle());
  std::map<std::string, int> creates;
  for (const auto& write : OperatorWrites(before)) {
    if (write.rfind("create ", 0) == 0) ++creates[write];
  }
  EXPECT_EQ(creates, (std::map<std::string, int>{
                         {"create deployments serving-wind-wf01-21 201", 1},
                         {"create horizontalpodautoscalers serving-wind-wf01-21 201", 1},
                         {"create httproutes serving-wind-wf01 201", 1},
                         {"create services serving-wind-wf01 201", 1},
                         {"create services serving-wind-wf01-21 201", 1},
                         {"create services serving-wind-wf01-external 201", 1},
                     }));
  std::vector<std::string> events = Events("wind-wf01");
  EXPECT_NE(std::find(events.begin(), events.end(), "Normal Created: Created HTTPRoute serving-wind-wf01"),
            events.end());
}

TEST_F(InferenceTest, ImageUpdateUnderAnHpaNeverWritesReplicasAndIdleReconcilesWriteNothing) {
  Start(/*gateway_api=*/false);
  CreateIsvc(IsvcYaml("wind-wf01", "  replicas: {min: 1, max: 4}\n"));
  ASSERT_TRUE(WaitChild("deployments", kChild));
  ASSERT_TRUE(WaitChild("horizontalpodautoscalers", kChild));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "Ready").is_object(); }));
  ASSERT_TRUE(Settle());

  // The autoscaler scales the Deployment up (as the HPA controller would): the operator never
  // touches the Deployment, and only the status follows (REPLICAS is the desired count).
  int64_t seq = LastWriteSeq();
  int64_t reconciles = ReconcileCount();
  PatchChild("deployments", kChild, {{"spec", {{"replicas", 3}}}}, "", "horizontal-pod-autoscaler");
  ASSERT_TRUE(Eventually([&] { return ReconcileCount() > reconciles; }));
  ASSERT_TRUE(Settle());
  EXPECT_EQ(OperatorWrites(seq, /*with_events=*/true),
            std::vector<std::string>{"update inferenceservices/status wind-wf01 200"});
  EXPECT_EQ(Isvc("wind-wf01")["status"]["replicas"], 3);

  // Nothing the operator cares about changes: a label on the InferenceService wakes it, but it
  // writes nothing.
  seq = LastWriteSeq();
  reconciles = ReconcileCount();
  PatchIsvc("wind-wf01", {{"metadata", {{"labels", {{"team", "forecast"}}}}}});
  ASSERT_TRUE(Eventually([&] { return ReconcileCount() > reconciles; }));
  ASSERT_TRUE(Settle());
  EXPECT_EQ(OperatorWrites(seq, /*with_events=*/true), std::vector<std::string>{});

  // A new image: one merge patch of the Deployment, nothing else, and the replica count stays.
  seq = LastWriteSeq();
  PatchIsvc("wind-wf01", {{"spec", {{"image", "registry.example.com/seed-job:0.2.0"}}}});
  ASSERT_TRUE(Eventually([&] {
    json d = Child("deployments", kChild);
    return d["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example.com/seed-job:0.2.0";
  }));
  ASSERT_TRUE(Eventually([&] { return Isvc("wind-wf01")["status"].value("observedGeneration", 0) == 2; }));
  ASSERT_TRUE(Settle());
  EXPECT_EQ(OperatorWrites(seq), (std::vector<std::string>{"patch deployments serving-wind-wf01-21 200",
                                                           "update inferenceservices/status wind-wf01 200"}));
  json deployment = Child("deployments", kChild);
  EXPECT_EQ(deployment["spec"]["replicas"], 3);
  // The operator's field manager wrote the template but never spec.replicas; the autoscaler owns it.
  std::map<std::string, bool> owns_replicas;
  for (const auto& entry : deployment["metadata"].value("managedFields", json::array())) {
    const json spec = entry.value("fieldsV1", json::object()).value("f:spec", json::object());
    owns_replicas[entry.value("manager", "")] =
        owns_replicas[entry.value("manager", "")] || spec.contains("f:replicas");
  }
  EXPECT_EQ(owns_replicas,
            (std::map<std::string, bool>{{"horizontal-pod-autoscaler", true}, {"seed-operator", false}}))
      << deployment["metadata"]["managedFields"].dump();
  std::vector<std::string> events = Events("wind-wf01");
  EXPECT_NE(
      std::find(events.begin(), events.end(),
                "Normal Updated: Updated Deployment serving-wind-wf01-21 to the InferenceService's spec"),
      events.end());
}

TEST_F(InferenceTest, RemovingHostDeletesTheRouteAndFixedReplicasDeleteTheHpa) {
  Start(/*gateway_api=*/true);
  CreateIsvc(IsvcYaml("wind-wf01", "  replicas: {min: 1, max: 3}\n  host: wf01.models.example.com\n"));
  ASSERT_TRUE(WaitChild("httproutes", kStable));
  ASSERT_TRUE(WaitChild("horizontalpodautoscalers", kChild));

  PatchIsvc("wind-wf01", {{"spec", {{"host", nullptr}}}});
  ASSERT_TRUE(WaitGone("httproutes", kStable));
  ASSERT_TRUE(Eventually([&] { return Isvc("wind-wf01")["status"].value("observedGeneration", 0) == 2; }));
  EXPECT_TRUE(Condition("wind-wf01", "TrafficRouted").is_null());
  EXPECT_EQ(Isvc("wind-wf01")["status"]["url"], "http://serving-wind-wf01.default.svc.cluster.local");

  PatchIsvc("wind-wf01", {{"spec", {{"replicas", {{"min", 2}, {"max", 2}}}}}});
  ASSERT_TRUE(WaitGone("horizontalpodautoscalers", kChild));
  ASSERT_TRUE(Eventually([&] { return Child("deployments", kChild)["spec"]["replicas"] == 2; }));
  EXPECT_FALSE(Child("deployments", kChild).is_null());
  EXPECT_FALSE(Child("services", kStable).is_null());
  std::vector<std::string> events = Events("wind-wf01");
  for (const char* wanted :
       {"Normal Deleted: Deleted HTTPRoute serving-wind-wf01 (no longer wanted by the spec)",
        "Normal Deleted: Deleted HorizontalPodAutoscaler serving-wind-wf01-21 (no longer wanted "
        "by the spec)"}) {
    EXPECT_NE(std::find(events.begin(), events.end(), wanted), events.end()) << wanted;
  }

  // Deleting the InferenceService collects every child, and a reconcile that still sees it in a
  // lagging cache does not bring them back.
  const int64_t seq = LastWriteSeq();
  cluster().Delete("inferenceservices", "wind-wf01");
  EXPECT_TRUE(WaitGone("deployments", kChild));
  EXPECT_TRUE(WaitGone("services", kStable));
  ASSERT_TRUE(Settle());
  EXPECT_TRUE(Child("deployments", kChild).is_null());
  EXPECT_TRUE(Child("services", kStable).is_null());
  for (const auto& write : OperatorWrites(seq)) EXPECT_NE(write.rfind("create ", 0), 0u) << write;
}

// The stable Services carry no version: two InferenceServices of one model and service type clash.
TEST_F(InferenceTest, TheLaterOfTwoServicesWithOneChildNameGetsNameClash) {
  Start(/*gateway_api=*/false);
  json alpha = CreateIsvc(IsvcYaml("alpha", ""));
  ASSERT_TRUE(WaitChild("deployments", kChild));
  ASSERT_TRUE(WaitChild("services", kStable));
  json beta = CreateIsvc(IsvcYaml("beta", "  image: other:1\n"));
  ASSERT_TRUE(Eventually([&] { return Condition("beta", "NameClash").is_object(); }));
  json clash = Condition("beta", "NameClash");
  EXPECT_EQ(clash["status"], "True");
  EXPECT_EQ(clash["reason"], "ChildNameInUse");
  EXPECT_NE(clash["message"].get<std::string>().find("InferenceService alpha"), std::string::npos)
      << clash.dump();
  EXPECT_EQ(Condition("beta", "Ready")["reason"], "NameClash");
  ASSERT_TRUE(Settle());
  json deployment = Child("deployments", kChild);
  EXPECT_EQ(deployment["metadata"]["ownerReferences"], OwnerOf(alpha));
  EXPECT_EQ(deployment["spec"]["template"]["spec"]["containers"][0]["image"], "seed-job:test");
  EXPECT_EQ(Child("services", kStable)["metadata"]["ownerReferences"], OwnerOf(alpha));
  EXPECT_TRUE(Condition("alpha", "NameClash").is_null());
  std::vector<std::string> events = Events("beta");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].rfind("Warning NameClash: ", 0), 0u) << events[0];

  // Once alpha is gone, beta takes the name.
  cluster().Delete("inferenceservices", "alpha");
  ASSERT_TRUE(Eventually([&] {
    json d = Child("deployments", kChild);
    return d.is_object() && d["metadata"]["ownerReferences"] == OwnerOf(beta);
  }));
  ASSERT_TRUE(Eventually([&] { return Condition("beta", "NameClash").is_null(); }));
  EXPECT_EQ(Child("deployments", kChild)["spec"]["template"]["spec"]["containers"][0]["image"], "other:1");
}

TEST_F(InferenceTest, HostWithoutGatewayApiIsTrafficRoutedFalseWithAReason) {
  Start(/*gateway_api=*/false);
  CreateIsvc(IsvcYaml("wind-wf01", "  host: wf01.models.example.com\n"));
  ASSERT_TRUE(WaitChild("deployments", kChild));  // the operator runs, caches synced, without HTTPRoutes
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "TrafficRouted").is_object(); }));
  json routed = Condition("wind-wf01", "TrafficRouted");
  EXPECT_EQ(routed["status"], "False");
  EXPECT_EQ(routed["reason"], "GatewayAPINotInstalled");
  EXPECT_NE(routed["message"].get<std::string>().find("gateway.networking.k8s.io/v1"), std::string::npos);
  EXPECT_EQ(Isvc("wind-wf01")["status"]["url"], "http://serving-wind-wf01.default.svc.cluster.local");
  for (const auto& write : OperatorWrites(0)) EXPECT_EQ(write.find("httproutes"), std::string::npos) << write;
}

TEST_F(InferenceTest, GatewayApiInstalledAfterStartIsUsedWithoutARestart) {
  Start(/*gateway_api=*/false);
  // The operator started without HTTPRoutes (so no cache of them); then the Gateway API arrives.
  cluster().ApplyFile(std::string(SEED_INFERENCE_TESTDATA) + "/gateway_api_httproutes_crd.yaml");
  CreateIsvc(IsvcYaml("wind-wf01", "  host: wf01.models.example.com\n"));
  ASSERT_TRUE(WaitChild("httproutes", kStable));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "TrafficRouted")["status"] == "True"; }));
  EXPECT_EQ(Child("httproutes", kStable)["spec"]["hostnames"], json::parse(R"(["wf01.models.example.com"])"));

  PatchIsvc("wind-wf01", {{"spec", {{"host", nullptr}}}});
  ASSERT_TRUE(WaitGone("httproutes", kStable));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "TrafficRouted").is_null(); }));
}

TEST_F(InferenceTest, ReadyOnceTheDeploymentReportsAvailable) {
  Start(/*gateway_api=*/false);
  CreateIsvc(IsvcYaml("wind-wf01", "  replicas: {min: 2, max: 2}\n"));
  ASSERT_TRUE(WaitChild("deployments", kChild));
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "Ready").is_object(); }));
  EXPECT_EQ(Condition("wind-wf01", "Ready")["status"], "False");
  EXPECT_EQ(Child("deployments", kChild)["spec"]["replicas"], 2);

  // What the deployment controller and the kubelets would report once both pods loaded the model.
  const int64_t generation = Child("deployments", kChild)["metadata"].value("generation", int64_t{1});
  PatchChild(
      "deployments", kChild,
      {{"status",
        {{"observedGeneration", generation},
         {"replicas", 2},
         {"readyReplicas", 2},
         {"availableReplicas", 2},
         {"updatedReplicas", 2},
         {"conditions",
          json::array(
              {{{"type", "Available"}, {"status", "True"}, {"reason", "MinimumReplicasAvailable"}},
               {{"type", "Progressing"}, {"status", "True"}, {"reason", "NewReplicaSetAvailable"}}})}}}},
      "status", "deployment-controller");
  ASSERT_TRUE(Eventually([&] { return Condition("wind-wf01", "Ready")["status"] == "True"; }));
  json ready = Condition("wind-wf01", "Ready");
  EXPECT_EQ(ready["reason"], "MinimumReplicasAvailable");
  EXPECT_EQ(ready["observedGeneration"], 1);
  json status = Isvc("wind-wf01")["status"];
  EXPECT_EQ(status["replicas"], 2);
  EXPECT_EQ(status["readyReplicas"], 2);
}

}  // namespace
}  // namespace seed::inference_testing
