// Every built-in kind the operator touches can be created, read back and listed at its group/version.
#include <gtest/gtest.h>

#include "kube-emulator/emulator_process.h"

namespace kubeemu::testing {
namespace {

using json = nlohmann::json;

struct Kind {
  std::string collection;  // the namespaced collection URL in "default"
  std::string api_version;
  std::string kind;
};

TEST(EmulatorKindsTest, BuiltinKindsRoundTrip) {
  EmulatorProcess emulator;
  const std::vector<Kind> kinds = {
      {"/api/v1/namespaces/default/secrets", "v1", "Secret"},
      {"/api/v1/namespaces/default/configmaps", "v1", "ConfigMap"},
      {"/api/v1/namespaces/default/pods", "v1", "Pod"},
      {"/api/v1/namespaces/default/services", "v1", "Service"},
      {"/api/v1/namespaces/default/events", "v1", "Event"},
      {"/api/v1/namespaces/default/persistentvolumeclaims", "v1", "PersistentVolumeClaim"},
      {"/api/v1/namespaces/default/serviceaccounts", "v1", "ServiceAccount"},
      {"/apis/apps/v1/namespaces/default/deployments", "apps/v1", "Deployment"},
      {"/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", "autoscaling/v2", "HorizontalPodAutoscaler"},
      {"/apis/coordination.k8s.io/v1/namespaces/default/leases", "coordination.k8s.io/v1", "Lease"},
      {"/apis/events.k8s.io/v1/namespaces/default/events", "events.k8s.io/v1", "Event"},
  };
  for (const auto& kind : kinds) {
    json created = emulator.Request("POST", kind.collection,
                                    {{"apiVersion", kind.api_version},
                                     {"kind", kind.kind},
                                     {"metadata", {{"name", "x1"}, {"labels", {{"app", "seed"}}}}},
                                     {"spec", json::object()}});
    ASSERT_EQ(created["kind"], kind.kind) << kind.collection << ": " << created;
    EXPECT_EQ(created["apiVersion"], kind.api_version);
    json read = emulator.Request("GET", kind.collection + "/x1");
    EXPECT_EQ(read["metadata"]["uid"], created["metadata"]["uid"]) << kind.collection;
    json list = emulator.Request("GET", kind.collection + "?labelSelector=app%3Dseed");
    EXPECT_EQ(list["kind"], kind.kind + "List");
    ASSERT_EQ(list["items"].size(), 1u) << kind.collection;
  }
  json deployment = emulator.Request("GET", "/apis/apps/v1/namespaces/default/deployments/x1");
  EXPECT_EQ(deployment["spec"]["replicas"], 1);
  // Namespaces are cluster-scoped and start Active.
  json ns = emulator.Request("POST", "/api/v1/namespaces", {{"metadata", {{"name", "team-a"}}}});
  EXPECT_EQ(ns["status"]["phase"], "Active");
  EXPECT_FALSE(ns["metadata"].contains("namespace"));
  EXPECT_EQ(emulator.Request("GET", "/api/v1/namespaces/team-a/configmaps")["items"].size(), 0u);
}

}  // namespace
}  // namespace kubeemu::testing
