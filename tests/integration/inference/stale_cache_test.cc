// The InferenceService controller on caches that disagree, made on purpose: the reconciler is driven
// by hand, its informer stores filled by the test, its client talking to the emulator. v2 serves
// (the API server's stable Service selects it); the Service cache is older and still shows the
// selector on v1, retired since; the Deployment cache is newer and has only v2. A bump to v3 must
// start v3 beside v2 and leave v2 serving, not read the pair as "nothing serves", switch the traffic
// to v3 (not Available) and delete v2. The chaos tests found this race about once in 10-40 runs;
// here it is every time.
#include <gtest/gtest.h>

#include <memory>

#include "controllers/inference_service_reconciler.h"
#include "controllers/resources.h"
#include "kube/config.h"
#include "pipeline_testing/deployment_status.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::controllers {
namespace {

using nlohmann::json;
using pipeline_testing::SeedCluster;

constexpr char kNamespace[] = "default";

json Isvc(const std::string& version) {
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "InferenceService"},
          {"metadata", {{"name", "wf01"}, {"namespace", kNamespace}}},
          {"spec",
           {{"model", {{"name", "wf01"}, {"version", version}, {"uri", "pvc://models/wf01"}}},
            {"resources", {{"requests", {{"cpu", "500m"}}}}}}}};
}

class StaleCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = kube::LoadKubeconfig({cluster_.operator_kubeconfig()});
    ASSERT_TRUE(config.ok()) << config.error().ToString();
    client_ = kube::Client::FromConfig(*config);
    for (auto* informer : {&isvcs_, &deployments_, &services_, &hpas_}) {
      *informer = std::make_unique<kube::Informer>(client_, kube::InformerOptions{});
    }
    InferenceServiceCaches caches{isvcs_.get(), deployments_.get(), services_.get(), hpas_.get(), nullptr};
    auto discovery = std::make_shared<GatewayApiDiscovery>([] { return kube::Result<bool>(false); },
                                                           kube::RealClock::Instance());
    SeedControllerOptions options;
    options.record_events = false;
    InferenceServiceControllerOptions isvc_options;
    isvc_options.retire_delay = std::chrono::seconds(0);
    reconciler_ = std::make_unique<InferenceServiceReconciler>(client_, caches, discovery, nullptr, options,
                                                               isvc_options);
  }

  // Every object of `resource` in the namespace, as the API server has it now, into `cache`.
  void Sync(kube::Informer& cache, const kube::GroupVersionResource& resource) {
    auto list = client_->List(resource, kNamespace);
    ASSERT_TRUE(list.ok()) << list.error().ToString();
    for (auto& item : (*list)["items"]) cache.store().Upsert(std::make_shared<const json>(std::move(item)));
  }
  void SyncAll() {
    Sync(*isvcs_, InferenceServicesResource());
    Sync(*deployments_, DeploymentsResource());
    Sync(*services_, ServicesResource());
  }
  void Reconcile() {
    auto result = reconciler_->Reconcile(kube::ReconcileContext("inferenceservice", "default/wf01", "test"));
    ASSERT_TRUE(result.ok()) << result.error().ToString();
  }
  // The deployment controller's part: the Deployment reports all its replicas Available.
  void MakeAvailable(const std::string& name) {
    auto deployment = client_->Get(DeploymentsResource(), kNamespace, name);
    ASSERT_TRUE(deployment.ok()) << name << ": " << deployment.error().ToString();
    kube::PatchOptions status;
    status.subresource = "status";
    auto patched = client_->Patch(DeploymentsResource(), kNamespace, name, kube::PatchType::kMerge,
                                  pipeline_testing::DeploymentStatus(*deployment, true), status);
    ASSERT_TRUE(patched.ok()) << patched.error().ToString();
  }
  bool Exists(const kube::GroupVersionResource& resource, const std::string& name) {
    return client_->Get(resource, kNamespace, name).ok();
  }
  std::string Selected() {
    auto service = client_->Get(ServicesResource(), kNamespace, "serving-wf01");
    return service.ok() ? (*service)["spec"]["selector"].value("app.kubernetes.io/instance", "") : "";
  }

  // v2 serves, reached through the controller itself with caches in step.
  void ServeV2() {
    ASSERT_TRUE(client_->Create(InferenceServicesResource(), kNamespace, Isvc("v2")).ok());
    SyncAll();
    Reconcile();
    MakeAvailable("serving-wf01-2");
    SyncAll();
    Reconcile();
    ASSERT_EQ(Selected(), "serving-wf01-2");
  }
  // The version bump, seen by the InferenceService cache.
  void BumpToV3() {
    ASSERT_TRUE(client_
                    ->Patch(InferenceServicesResource(), kNamespace, "wf01", kube::PatchType::kMerge,
                            {{"spec", {{"model", {{"version", "v3"}}}}}})
                    .ok());
    Sync(*isvcs_, InferenceServicesResource());
  }

  SeedCluster cluster_;
  std::shared_ptr<kube::Client> client_;
  std::unique_ptr<kube::Informer> isvcs_, deployments_, services_, hpas_;
  std::unique_ptr<InferenceServiceReconciler> reconciler_;
};

TEST_F(StaleCacheTest, AServiceCacheBehindTheDeploymentCacheNeverTakesTrafficFromTheServingVersion) {
  ServeV2();

  // The Service cache as it was before v2's switch: selecting v1, whose Deployment is gone.
  json stale = *services_->store().Get("default/serving-wf01");
  stale["spec"]["selector"]["app.kubernetes.io/instance"] = "serving-wf01-1";
  services_->store().Upsert(std::make_shared<const json>(stale));
  BumpToV3();
  Reconcile();

  EXPECT_TRUE(Exists(DeploymentsResource(), "serving-wf01-3")) << "v3 starts beside v2";
  EXPECT_TRUE(Exists(DeploymentsResource(), "serving-wf01-2")) << "the serving version was deleted";
  EXPECT_EQ(Selected(), "serving-wf01-2") << "traffic went to a version that is not Available";
}

// The other way round: a Deployment cache that has not seen the serving version (a relist after a
// lost watch) while the Service cache selects it. Without the API server's word, nothing Available
// is left to serve and v3 would take the traffic.
TEST_F(StaleCacheTest, ADeploymentCacheWithoutTheServingVersionNeverSwitchesTrafficAwayFromIt) {
  ServeV2();
  deployments_->store().Remove("default/serving-wf01-2");
  BumpToV3();
  Reconcile();

  EXPECT_TRUE(Exists(DeploymentsResource(), "serving-wf01-3")) << "v3 starts beside v2";
  EXPECT_TRUE(Exists(DeploymentsResource(), "serving-wf01-2"));
  EXPECT_EQ(Selected(), "serving-wf01-2") << "traffic went to a version that is not Available";
}

// A Deployment this process created and someone deleted before its cache ever showed it: the create
// expectation (no second create until the cache shows the first) must not keep it away once the
// API server says it is gone.
TEST_F(StaleCacheTest, AChildDeletedBeforeTheCacheSawItIsCreatedAgainAtOnce) {
  ASSERT_TRUE(client_->Create(InferenceServicesResource(), kNamespace, Isvc("v2")).ok());
  SyncAll();
  Reconcile();
  ASSERT_TRUE(Exists(DeploymentsResource(), "serving-wf01-2"));
  ASSERT_TRUE(client_->Delete(DeploymentsResource(), kNamespace, "serving-wf01-2").ok());
  Reconcile();  // the caches never saw it come or go
  EXPECT_TRUE(Exists(DeploymentsResource(), "serving-wf01-2")) << "not created again";
}

}  // namespace
}  // namespace seed::controllers
