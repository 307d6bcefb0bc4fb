#pragma once
// The InferenceService controller: keeps an InferenceService's Deployment, Service, HPA, external
// Service and HTTPRoute equal to what render::RenderInferenceService describes, and reports url,
// replica counts and the Ready / TrafficRouted / NameClash conditions.
//  1. Read the InferenceService and its children from the informer caches (HTTPRoutes from the
//     API server when the Gateway API appeared after start and so has no cache). When that view
//     calls for a write or moves the rollout on, its Deployments and stable Service are read again
//     from the API server and the decision is made anew from them: informers lag one another, and
//     a traffic switch, a deletion or a rollback must never rest on two caches that disagree.
//  2. DecideRollout (pure) says which model version owns traffic (upgrades never leave the stable
//     Services without an Available version; canary steps; rollback), then PlanChildren (pure)
//     decides creates, merge patches (only when seed.dev/spec-hash differs) and deletes (children
//     it controls that render null and no kept version holds); a NameClash (another
//     InferenceService, or an object it does not control, holds a child name) touches nothing.
//  3. Run the writes (409 AlreadyExists on create = done before; deletes carry a uid precondition),
//     record Events, then write the status through the status subresource when it changed.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "controllers/inference_service_discovery.h"
#include "controllers/inference_service_plan.h"
#include "controllers/inference_service_rollout.h"
#include "controllers/options.h"
#include "controllers/resources.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/events.h"
#include "kube/informer.h"
#include "kube/manager.h"

namespace seed::controllers {

// What the InferenceService controller is configured with beyond SeedControllerOptions.
struct InferenceServiceControllerOptions {
  // Gateways HTTPRoutes attach to (--gateway-parent-ref NAMESPACE/NAME), as Gateway API parentRefs.
  nlohmann::json gateway_parent_refs = nlohmann::json::array();
  std::string gpu_resource = "nvidia.com/gpu";
  kube::Clock::Duration discovery_refresh = kGatewayDiscoveryRefresh;
  // How long an old version keeps its pods after the Services switched away from it, so proxies
  // (kube-proxy, the gateway) drop its endpoints before they go (--retire-delay).
  std::chrono::seconds retire_delay = kDefaultRetireDelay;
  // The new version's error ratio during a canary (failed / all requests), read from its model
  // server's /metrics; nullopt when unknown. Arguments: namespace, version Service name. Unset:
  // only readiness decides a rollback.
  std::function<std::optional<double>(const std::string&, const std::string&)> error_ratio;
};

// Parses `--gateway-parent-ref` values: NAME or NAMESPACE/NAME (optionally NAMESPACE/NAME/SECTION).
// An empty part is an error naming the value.
kube::Result<nlohmann::json> ParseGatewayParentRefs(const std::vector<std::string>& values);

// The caches the controller reads. `routes` is null when HTTPRoutes were not served at start.
struct InferenceServiceCaches {
  kube::Informer* isvcs = nullptr;
  kube::Informer* deployments = nullptr;
  kube::Informer* services = nullptr;
  kube::Informer* hpas = nullptr;
  kube::Informer* routes = nullptr;
};

class InferenceServiceReconciler : public kube::Reconciler {
 public:
  InferenceServiceReconciler(std::shared_ptr<kube::Client> client, InferenceServiceCaches caches,
                             std::shared_ptr<GatewayApiDiscovery> discovery, kube::EventRecorder* events,
                             SeedControllerOptions options, InferenceServiceControllerOptions isvc_options);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileContext& context) override;

 private:
  kube::Result<std::vector<ObservedChild>> Observe(const api::InferenceService& isvc,
                                                   const render::InferenceServiceChildren& desired,
                                                   bool gateway_api);
  // The children that decide who serves, read from the API server: every Deployment labelled for
  // this InferenceService and its stable Service; the other kinds stay as `cached` has them. The
  // create expectations of this version's Deployment and the stable Service are dropped when the
  // API server does not have them.
  kube::Result<std::vector<ObservedChild>> ObserveServingLive(const api::InferenceService& isvc,
                                                              const render::InferenceServiceChildren& names,
                                                              const std::vector<ObservedChild>& cached);
  // Carries out the plan. Before its first write it reads the InferenceService live: nothing is
  // done for one that is gone, or when the cache holds an older generation than the API server
  // (*stale: a plan from an old spec would undo the newer one's, e.g. delete the new version).
  kube::Status Apply(const nlohmann::json& owner, const std::vector<ChildAction>& actions,
                     const std::vector<ObservedChild>& observed, const kube::ReconcileContext& context,
                     bool* waiting, bool* stale);
  kube::Result<bool> WriteStatus(nlohmann::json object, const api::InferenceServiceStatus& status,
                                 const kube::ReconcileContext& context);
  void Publish(const nlohmann::json& object, const std::string& type, const std::string& reason,
               const std::string& note);
  kube::Informer* CacheOf(ChildKind kind) const;

  std::shared_ptr<kube::Client> client_;
  InferenceServiceCaches caches_;
  std::shared_ptr<GatewayApiDiscovery> discovery_;
  kube::EventRecorder* events_;
  SeedControllerOptions options_;
  InferenceServiceControllerOptions isvc_options_;
  // Patches sent whose result the cache has not shown yet: child key -> (spec hash sent,
  // resourceVersion patched). A reconcile on a lagging cache does not send the same patch again.
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> patched_;
  // Children created that the cache has not shown yet (controller-runtime's expectations), with
  // when: a reconcile on a lagging cache does not create them again. Forgotten once seen, or after
  // kCreateExpectationTtl in case the object went away before the cache ever saw it.
  std::map<std::string, kube::Clock::TimePoint> created_;
  // The last status write per InferenceService the cache has not shown yet: key -> (the
  // resourceVersion it replaced, the object the server returned). A reconcile that still reads the
  // replaced version compares with what was written instead, so it neither repeats the write nor
  // sends it on a stale resourceVersion (a 409). Forgotten once the cache shows another version
  // or no longer holds the object.
  std::map<std::string, std::pair<std::string, nlohmann::json>> status_written_;
};

// Adds the informers (HTTPRoutes only when discovery finds them served now) and the controller.
void RegisterInferenceServiceController(kube::Manager& manager, const SeedControllerOptions& options,
                                        const InferenceServiceControllerOptions& isvc_options);

// RegisterSeedControllers (register.h) with the InferenceService controller's own options, for
// seed-operator's flags; the two-argument form uses the defaults. Defined in register.cc.
void RegisterSeedControllers(kube::Manager& manager, const SeedControllerOptions& options,
                             const InferenceServiceControllerOptions& isvc_options);

}  // namespace seed::controllers
