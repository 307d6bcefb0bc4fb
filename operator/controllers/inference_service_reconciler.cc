#include "controllers/inference_service_reconciler.h"

#include <algorithm>
#include <set>

#include "controllers/reconcile_rules.h"
#include "controllers/requeue.h"
#include "kube/logging.h"
#include "kube/manager.h"
#include "kube/store.h"
#include "render/inference_service_status.h"
#include "render/labels.h"

namespace seed::controllers {

using nlohmann::json;

namespace {

constexpr char kFieldManager[] = "seed-operator";
constexpr std::chrono::seconds kCreateExpectationTtl{30};
// Found the cache behind the API server: look again this soon if its watch event has not woken us.
constexpr std::chrono::seconds kStaleCacheRetry{1};

std::string MetaString(const json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
  return object["metadata"].value(field, "");
}

std::string SpecHashOf(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  return object["metadata"].value("annotations", json::object()).value(render::kSpecHashAnnotation, "");
}

kube::GroupVersionResource ResourceOf(ChildKind kind) {
  switch (kind) {
    case ChildKind::kDeployment:
      return DeploymentsResource();
    case ChildKind::kService:
      return ServicesResource();
    case ChildKind::kHpa:
      return HorizontalPodAutoscalersResource();
    case ChildKind::kRoute:
      return HttpRoutesResource();
  }
  return {};
}

std::string CreatedChildKey(ChildKind kind, const std::string& ns, const std::string& name) {
  return std::string(ChildKindName(kind)) + "/" + kube::MakeKey(ns, name);
}

bool HasTrueCondition(const api::InferenceServiceStatus& status, const std::string& type) {
  for (const auto& condition : status.conditions) {
    if (condition.type == type && condition.status == "True") return true;
  }
  return false;
}

const api::Condition* FindCondition(const api::InferenceServiceStatus& status, const std::string& type) {
  for (const auto& condition : status.conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

// The stable child name of a stored InferenceService from the two fields it depends on, without
// parsing (and validating) the whole spec: clash checks look at every InferenceService in a namespace.
std::string ChildNameOf(const json& object) {
  auto text = [](const json& parent, const char* key, const char* fallback) -> std::string {
    if (!parent.is_object() || !parent.contains(key) || !parent[key].is_string()) return fallback;
    return parent[key].get<std::string>();
  };
  const json spec = object.is_object() ? object.value("spec", json::object()) : json::object();
  const json model = spec.is_object() ? spec.value("model", json::object()) : json::object();
  api::InferenceServiceSpec names;
  names.service_type = text(spec, "serviceType", api::kDefaultServiceType);
  names.model.name = text(model, "name", "");
  return render::InferenceServiceStableName(names);
}

// Who serves (DecideRollout) and the writes that make it so (PlanChildren), from one view of the
// children. Pure.
struct DecidedPlan {
  RolloutDecision decision;
  ChildPlan plan;
};

DecidedPlan DecideAndPlan(const api::InferenceService& isvc, const render::InferenceServiceChildren& names,
                          const std::vector<ObservedChild>& observed, const api::RolloutStatus& previous,
                          const render::InferenceServiceOptions& render_options, std::chrono::sys_seconds now,
                          std::chrono::seconds retire_delay, std::optional<double> error_ratio) {
  RolloutInput rollout;
  rollout.isvc = &isvc;
  for (const auto& child : observed) {
    if (kube::ControllerOwnerUid(child.object) != isvc.metadata.uid) continue;
    if (child.kind == ChildKind::kDeployment) rollout.deployments.push_back(child.object);
    if (child.kind == ChildKind::kService && MetaString(child.object, "name") == names.name)
      rollout.stable_service = child.object;
  }
  rollout.previous = previous;
  rollout.canary = isvc.spec.rollout.has_value() && names.route.is_object();
  rollout.stream = isvc.spec.stream.has_value();
  rollout.error_ratio = error_ratio;
  rollout.now = now;
  rollout.retire_delay = retire_delay;
  DecidedPlan decided;
  decided.decision = DecideRollout(rollout);
  const render::InferenceServiceChildren desired =
      render::RenderInferenceService(isvc, render_options, decided.decision.view);
  decided.plan = PlanChildren(desired, observed, isvc.metadata.uid, decided.decision.keep);
  return decided;
}

}  // namespace

kube::Result<json> ParseGatewayParentRefs(const std::vector<std::string>& values) {
  json refs = json::array();
  for (const auto& value : values) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t slash = value.find('/', start);
      parts.push_back(value.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    bool empty_part = false;
    for (const auto& part : parts) empty_part = empty_part || part.empty();
    if (parts.size() > 3 || empty_part) {
      return kube::MakeError(kube::ErrorCode::kInvalidArgument,
                             "--gateway-parent-ref \"" + value +
                                 "\": expected NAME, NAMESPACE/NAME or NAMESPACE/NAME/SECTION (e.g. "
                                 "gateway-system/seed-gateway)");
    }
    json ref = json::object();
    if (parts.size() == 1) {
      ref["name"] = parts[0];
    } else {
      ref["namespace"] = parts[0];
      ref["name"] = parts[1];
      if (parts.size() == 3) ref["sectionName"] = parts[2];
    }
    refs.push_back(ref);
  }
  return refs;
}

InferenceServiceReconciler::InferenceServiceReconciler(std::shared_ptr<kube::Client> client,
                                                       InferenceServiceCaches caches,
                                                       std::shared_ptr<GatewayApiDiscovery> discovery,
                                                       kube::EventRecorder* events,
                                                       SeedControllerOptions options,
                                                       InferenceServiceControllerOptions isvc_options)
    : client_(std::move(client)),
      caches_(caches),
      discovery_(std::move(discovery)),
      events_(events),
      options_(std::move(options)),
      isvc_options_(std::move(isvc_options)) {
  if (!options_.clock) options_.clock = &kube::RealClock::Instance();
}

kube::Informer* InferenceServiceReconciler::CacheOf(ChildKind kind) const {
  switch (kind) {
    case ChildKind::kDeployment:
      return caches_.deployments;
    case ChildKind::kService:
      return caches_.services;
    case ChildKind::kHpa:
      return caches_.hpas;
    case ChildKind::kRoute:
      return caches_.routes;
  }
  return nullptr;
}

kube::Result<std::vector<ObservedChild>> InferenceServiceReconciler::Observe(
    const api::InferenceService& isvc, const render::InferenceServiceChildren& desired, bool gateway_api) {
  const std::string& ns = isvc.metadata.namespace_;
  const std::vector<ObservedChild> wanted = DesiredChildren(desired);
  std::vector<ObservedChild> observed;
  for (ChildKind kind : {ChildKind::kDeployment, ChildKind::kService, ChildKind::kHpa, ChildKind::kRoute}) {
    // Without the Gateway API there are no HTTPRoutes to find (and no cache to ask).
    if (kind == ChildKind::kRoute && !gateway_api) continue;
    kube::Informer* cache = CacheOf(kind);
    if (!cache) {
      // HTTPRoutes served only since after start have no cache: ask the API server for the one
      // route an InferenceService can have, wanted or not (so removing `host` still deletes it).
      auto live = client_->Get(ResourceOf(kind), ns, desired.name);
      if (live.ok()) {
        observed.push_back({kind, std::move(*live)});
      } else if (!kube::IsNotFound(live.error())) {
        return live.error();
      }
      continue;
    }
    std::set<std::string> names;
    for (const auto& child : cache->store().ByIndex(kube::kIndexControllerOwner, isvc.metadata.uid)) {
      if (MetaString(*child, "namespace") != ns) continue;
      names.insert(MetaString(*child, "name"));
      observed.push_back({kind, *child});
    }
    for (const auto& child : wanted) {
      if (child.kind != kind) continue;
      const std::string name = MetaString(child.object, "name");
      if (names.count(name)) continue;
      if (auto found = cache->store().Get(kube::MakeKey(ns, name))) observed.push_back({kind, *found});
    }
  }
  return observed;
}

kube::Result<std::vector<ObservedChild>> InferenceServiceReconciler::ObserveServingLive(
    const api::InferenceService& isvc, const render::InferenceServiceChildren& names,
    const std::vector<ObservedChild>& cached) {
  const std::string& ns = isvc.metadata.namespace_;
  std::vector<ObservedChild> observed;
  for (const auto& child : cached) {
    const bool stable = child.kind == ChildKind::kService && MetaString(child.object, "name") == names.name;
    if (child.kind != ChildKind::kDeployment && !stable) observed.push_back(child);
  }
  kube::ListOptions versions;
  versions.label_selector = std::string(render::kInferenceServiceLabel) + "=" + isvc.metadata.name;
  auto deployments = client_->ListAll(DeploymentsResource(), ns, versions);
  if (!deployments.ok()) return deployments.error();
  for (auto& deployment : (*deployments)["items"]) {
    // Under a desired name it is observed whoever controls it (a clash); otherwise only ours.
    if (kube::ControllerOwnerUid(deployment) == isvc.metadata.uid ||
        MetaString(deployment, "name") == names.version_name) {
      observed.push_back({ChildKind::kDeployment, std::move(deployment)});
    }
  }
  auto stable = client_->Get(ServicesResource(), ns, names.name);
  if (stable.ok()) {
    observed.push_back({ChildKind::kService, std::move(*stable)});
  } else if (!kube::IsNotFound(stable.error())) {
    return stable.error();
  }
  // A child this process created that the API server no longer has was deleted since (reads are
  // linearizable with the create): its create expectation would only delay making it again.
  std::lock_guard lock(mu_);
  for (const auto& wanted :
       {std::pair{ChildKind::kDeployment, names.version_name}, std::pair{ChildKind::kService, names.name}}) {
    const ChildKind kind = wanted.first;
    const std::string& name = wanted.second;
    const bool present = std::any_of(observed.begin(), observed.end(), [&](const ObservedChild& child) {
      return child.kind == kind && MetaString(child.object, "name") == name;
    });
    if (!present) created_.erase(CreatedChildKey(kind, ns, name));
  }
  return observed;
}

void InferenceServiceReconciler::Publish(const json& object, const std::string& type,
                                         const std::string& reason, const std::string& note) {
  if (events_ && options_.record_events) events_->Publish(object, type, reason, "Reconcile", note);
}

kube::Status InferenceServiceReconciler::Apply(const json& owner, const std::vector<ChildAction>& actions,
                                               const std::vector<ObservedChild>& observed,
                                               const kube::ReconcileContext& context, bool* waiting,
                                               bool* stale) {
  const std::string& ns = context.ns();
  auto observed_object = [&](ChildKind kind, const std::string& name) -> const json* {
    for (const auto& child : observed) {
      if (child.kind == kind && MetaString(child.object, "name") == name) return &child.object;
    }
    return nullptr;
  };
  bool owner_checked = false;
  for (const auto& action : actions) {
    if (!owner_checked) {
      // One live read before the first write. The cache may still show an InferenceService that was
      // just deleted (its children already collected): children created for it now would point at
      // a dead owner. Or it may hold an older spec than the API server (its watch lags the
      // children's): that plan would delete the Deployment of a version set since, or re-create a
      // retired one. The newer object's watch event brings this InferenceService back.
      auto live = client_->Get(InferenceServicesResource(), ns, context.name());
      if (!live.ok()) {
        if (kube::IsNotFound(live.error())) return {};
        return live.error();
      }
      if (MetaString(*live, "uid") != MetaString(owner, "uid") || BeingDeleted(*live)) return {};
      if ((*live)["metadata"].value("generation", int64_t{0}) !=
          owner["metadata"].value("generation", int64_t{0})) {
        *stale = true;
        context.Info("the cache holds an older spec than the API server; waiting for its watch event");
        return {};
      }
      owner_checked = true;
    }
    const kube::GroupVersionResource gvr = ResourceOf(action.kind);
    const std::string what = std::string(ChildKindName(action.kind)) + " " + action.name;
    const std::string key = CreatedChildKey(action.kind, ns, action.name);
    switch (action.type) {
      case ChildActionType::kCreate: {
        {
          std::lock_guard lock(mu_);
          auto made = created_.find(key);
          if (made != created_.end() &&
              kube::RealClock::Instance().Now() - made->second < kCreateExpectationTtl) {
            context.Debug(what + ": created before; waiting for the cache");
            *waiting = true;
            break;
          }
        }
        kube::WriteOptions write;
        write.field_manager = kFieldManager;
        auto created = client_->Create(gvr, ns, action.body, write);
        if (!created.ok() && !kube::IsAlreadyExists(created.error())) return created.error();
        {
          std::lock_guard lock(mu_);
          const auto now = kube::RealClock::Instance().Now();
          std::erase_if(created_,
                        [&](const auto& entry) { return now - entry.second >= kCreateExpectationTtl; });
          created_[key] = now;
        }
        if (!created.ok()) {
          context.Debug(what + " already exists (the cache is behind)");
          break;
        }
        context.Info("created " + what);
        Publish(owner, "Normal", "Created", "Created " + what);
        break;
      }
      case ChildActionType::kPatch: {
        const json* before = observed_object(action.kind, action.name);
        const std::string rv = before ? MetaString(*before, "resourceVersion") : "";
        const std::string hash = SpecHashOf(action.body);
        {
          std::lock_guard lock(mu_);
          auto sent = patched_.find(key);
          if (sent != patched_.end() && sent->second == std::make_pair(hash, rv)) {
            context.Debug(what + ": patch already sent; waiting for the cache");
            break;
          }
        }
        kube::PatchOptions patch;
        patch.field_manager = kFieldManager;
        auto patched = client_->Patch(gvr, ns, action.name, kube::PatchType::kMerge, action.body, patch);
        if (!patched.ok()) return patched.error();  // NotFound: deleted meanwhile; the retry re-plans
        {
          std::lock_guard lock(mu_);
          patched_[key] = {hash, rv};
        }
        context.Info("updated " + what);
        Publish(owner, "Normal", "Updated", "Updated " + what + " to the InferenceService's spec");
        break;
      }
      case ChildActionType::kDelete: {
        kube::DeleteOptions remove;
        remove.propagation_policy = "Background";
        if (const json* before = observed_object(action.kind, action.name)) {
          // Only the object that was observed: a replacement made meanwhile is someone else's.
          if (std::string uid = MetaString(*before, "uid"); !uid.empty()) remove.precondition_uid = uid;
        }
        auto deleted = client_->Delete(gvr, ns, action.name, remove);
        if (!deleted.ok() && !kube::IsNotFound(deleted.error()) && !kube::IsConflict(deleted.error())) {
          return deleted.error();
        }
        {
          std::lock_guard lock(mu_);
          patched_.erase(key);
          created_.erase(key);
        }
        if (deleted.ok()) {
          context.Info("deleted " + what);
          Publish(owner, "Normal", "Deleted", "Deleted " + what + " (no longer wanted by the spec)");
        }
        break;
      }
    }
  }
  return {};
}

kube::Result<bool> InferenceServiceReconciler::WriteStatus(json object,
                                                           const api::InferenceServiceStatus& status,
                                                           const kube::ReconcileContext& context) {
  const json wanted = api::InferenceServiceStatusToJson(status);
  // The spec this status was decided from: a fresh read that shows another one gets no status from
  // this look (it would describe an older spec's rollout); its own watch event brings it back.
  const int64_t decided_for = object["metadata"].value("generation", int64_t{0});
  {
    std::lock_guard lock(mu_);
    auto last = status_written_.find(context.key());
    if (last != status_written_.end()) {
      if (MetaString(object, "resourceVersion") == last->second.first) {
        object = last->second.second;  // the cache has not caught up with our own write yet
      } else {
        status_written_.erase(last);
      }
    }
  }
  for (int round = 0; round < kMaxConflictRetries; ++round) {
    if (object.value("status", json()) == wanted) return false;
    json updated = object;
    updated["status"] = wanted;
    kube::WriteOptions write;
    write.field_manager = kFieldManager;
    auto written = client_->ReplaceStatus(InferenceServicesResource(), context.ns(), updated, write);
    if (written.ok()) {
      std::lock_guard lock(mu_);
      status_written_[context.key()] = {MetaString(updated, "resourceVersion"), std::move(*written)};
      return true;
    }
    if (kube::IsNotFound(written.error())) return false;  // deleted meanwhile: nothing to report on
    if (!kube::IsConflict(written.error())) return written.error();
    auto fresh = client_->Get(InferenceServicesResource(), context.ns(), context.name());
    if (!fresh.ok()) {
      if (kube::IsNotFound(fresh.error())) return false;
      return fresh.error();
    }
    if ((*fresh)["metadata"].value("generation", int64_t{0}) != decided_for) return false;
    object = std::move(*fresh);
  }
  return kube::MakeError(kube::ErrorCode::kApi, "status write kept conflicting after " +
                                                    std::to_string(kMaxConflictRetries) + " fresh reads");
}

kube::Result<kube::ReconcileResult> InferenceServiceReconciler::Reconcile(
    const kube::ReconcileContext& context) {
  kube::ObjectPtr cached = caches_.isvcs->store().Get(context.key());
  if (!cached || BeingDeleted(*cached)) {  // children go by garbage collection
    std::lock_guard lock(mu_);
    status_written_.erase(context.key());
    return kube::ReconcileResult{};
  }
  const json& object = *cached;

  api::ValidationErrors errors;
  api::InferenceService isvc = api::ParseInferenceService(object, &errors);
  isvc.metadata.namespace_ = context.ns();
  // The status this process wrote last when the cache has not shown it yet: the rollout decides
  // from status.rollout, and a stale one would repeat a step (or a rollback) already taken.
  json stored_status = object.value("status", json());
  {
    std::lock_guard lock(mu_);
    auto last = status_written_.find(context.key());
    if (last != status_written_.end() && MetaString(object, "resourceVersion") == last->second.first) {
      stored_status = last->second.second.value("status", json());
    }
  }
  const api::InferenceServiceStatus previous = api::InferenceServiceStatusFromJson(stored_status);
  const bool gateway_api = discovery_->Available();

  render::InferenceServiceOptions render_options;
  render_options.default_image = options_.job_image;
  render_options.gateway_api_available = gateway_api;
  render_options.gateway_parent_refs = isvc_options_.gateway_parent_refs;
  render_options.gpu_resource = isvc_options_.gpu_resource;

  StatusInput input;
  input.isvc = &isvc;
  input.previous = previous;
  input.gateway_api_available = gateway_api;
  input.gateway_parents_configured = !isvc_options_.gateway_parent_refs.empty();
  input.now = NowSeconds(*options_.clock);

  if (!errors.empty()) {
    for (const auto& error : errors) input.invalid.push_back(api::FormatError(error));
  } else {
    std::vector<api::InferenceService> others;
    const std::string child_name = render::InferenceServiceStableName(isvc.spec);
    for (const auto& other : caches_.isvcs->store().ByIndex(kube::kIndexNamespace, context.ns())) {
      if (ChildNameOf(*other) != child_name) continue;  // only those that could clash are parsed
      api::ValidationErrors ignored;
      others.push_back(api::ParseInferenceService(*other, &ignored));
      others.back().metadata.namespace_ = context.ns();
    }
    input.name_clash = render::NameClashCondition(isvc, others);
    // Who holds the name in fact wins over who was created first: an InferenceService whose
    // stable Service already exists keeps it (the other one then sees a foreign child).
    if (input.name_clash) {
      kube::ObjectPtr held = caches_.services->store().Get(
          kube::MakeKey(context.ns(), render::InferenceServiceStableName(isvc.spec)));
      if (held && kube::ControllerOwnerUid(*held) == isvc.metadata.uid) input.name_clash.reset();
    }
  }

  bool waiting_for_cache = false;
  std::optional<std::chrono::seconds> rollout_due;
  if (input.invalid.empty() && !input.name_clash) {
    // The names do not depend on who owns traffic, so the steady-state render finds every child.
    const render::InferenceServiceChildren names = render::RenderInferenceService(isvc, render_options);
    auto observed = Observe(isvc, names, gateway_api);
    if (!observed.ok()) return observed.error();
    {
      std::lock_guard lock(mu_);
      for (const auto& child : *observed) {
        created_.erase(CreatedChildKey(child.kind, context.ns(), MetaString(child.object, "name")));
      }
    }
    // Only a canary that takes traffic has an error ratio worth a request.
    std::optional<double> error_ratio;
    if (isvc.spec.rollout && names.route.is_object() && isvc_options_.error_ratio &&
        previous.rollout.phase == kRolloutProgressing && previous.rollout.step >= 0 &&
        previous.rollout.to_version == isvc.spec.model.version) {
      error_ratio = isvc_options_.error_ratio(context.ns(), names.version_name);
    }
    DecidedPlan decided = DecideAndPlan(isvc, names, *observed, previous.rollout, render_options, input.now,
                                        isvc_options_.retire_delay, error_ratio);
    const bool acts = !decided.plan.actions.empty() || !(decided.decision.status == previous.rollout);
    if (acts && decided.plan.foreign.empty()) {
      // The caches said to act (a write, or a rollout status that moves on); what is done rests on
      // the API server's view of who serves. The informers lag one another (a relist after a lost
      // watch, a new leader): a stable Service that still selects a retired version beside a
      // Deployment cache that no longer has it would read as "nothing serves", and the new version
      // would take the traffic and the serving version be deleted; a canary whose Deployment the
      // cache does not show yet would be rolled back.
      auto live = ObserveServingLive(isvc, names, *observed);
      if (!live.ok()) return live.error();
      observed = std::move(live);
      decided = DecideAndPlan(isvc, names, *observed, previous.rollout, render_options, input.now,
                              isvc_options_.retire_delay, error_ratio);
    }
    const RolloutDecision& decision = decided.decision;
    const ChildPlan& plan = decided.plan;
    rollout_due = decision.requeue_after;
    if (!plan.foreign.empty()) {
      input.name_clash = ForeignChildCondition(isvc, plan.foreign);
    } else {
      bool stale = false;
      if (auto applied = Apply(object, plan.actions, *observed, context, &waiting_for_cache, &stale);
          !applied.ok()) {
        return applied.error();
      }
      if (stale) {  // nothing written: neither the children nor a status decided from the old spec
        kube::ReconcileResult again;
        again.requeue_after = kStaleCacheRetry;
        return again;
      }
      for (const auto& event : decision.events) Publish(object, event.type, event.reason, event.note);
      input.deployment = decision.serving_deployment;
      input.serving_version = decision.serving_version;
      input.traffic = decision.traffic;
      input.rollout = decision.status;
      input.url = render::InferenceServiceUrl(isvc, render_options);
    }
  }

  const api::InferenceServiceStatus status = ComputeStatus(input);
  if (input.name_clash && !HasTrueCondition(previous, render::kNameClashCondition)) {
    Publish(object, "Warning", "NameClash", input.name_clash->message);
  }
  if (!input.invalid.empty()) {
    const api::Condition* before = FindCondition(previous, render::kReadyCondition);
    if (!before || before->reason != "InvalidSpec")
      Publish(object, "Warning", "InvalidSpec", status.conditions[0].message);
  }
  if (auto written = WriteStatus(object, status, context); !written.ok()) return written.error();

  // A canary step or a retirement falls due: come back then (nothing else would wake us).
  if (rollout_due && !waiting_for_cache) {
    kube::ReconcileResult again = RequeueAt(input.now + *rollout_due, *options_.clock, options_.max_requeue);
    if (!isvc.spec.host.empty() && !gateway_api) {
      again.requeue_after = std::min(
          again.requeue_after, std::chrono::duration_cast<std::chrono::milliseconds>(discovery_->refresh()));
    }
    return again;
  }
  // A child created earlier that the cache has still not shown: look again once the expectation
  // lapses (normally its watch event comes first and wakes this InferenceService).
  if (waiting_for_cache) {
    kube::ReconcileResult again;
    again.requeue_after = kCreateExpectationTtl;
    return again;
  }
  // Without the Gateway API a host cannot be honoured yet: look again when discovery is re-asked.
  if (!isvc.spec.host.empty() && !gateway_api && input.invalid.empty()) {
    kube::ReconcileResult again;
    again.requeue_after = std::chrono::duration_cast<std::chrono::milliseconds>(discovery_->refresh());
    return again;
  }
  return kube::ReconcileResult{};
}

void RegisterInferenceServiceController(kube::Manager& manager, const SeedControllerOptions& options,
                                        const InferenceServiceControllerOptions& isvc_options) {
  auto client = manager.ControllerClient();
  InferenceServiceCaches caches;
  caches.isvcs = &manager.GetInformer(InferenceServicesResource());
  caches.deployments = &manager.GetInformer(DeploymentsResource());
  caches.services = &manager.GetInformer(ServicesResource());
  caches.hpas = &manager.GetInformer(HorizontalPodAutoscalersResource());
  // An informer for a resource the server does not serve would never sync and so keep the manager
  // from ever becoming ready: HTTPRoutes get a cache only when served now. Installed later, they
  // are read from the API server (discovery is re-asked every refresh interval).
  const kube::GroupVersionResource routes = HttpRoutesResource();
  auto served = client->ServerHasResource(routes.group, routes.version, routes.resource);
  if (!served.ok()) {
    kube::LogFields(spdlog::level::warn, "Gateway API discovery failed at start; HTTPRoutes get no cache",
                    {{"error", served.error().ToString()}});
  }
  if (served.ok() && *served) caches.routes = &manager.GetInformer(routes);

  auto discovery = std::make_shared<GatewayApiDiscovery>(
      [client, routes] { return client->ServerHasResource(routes.group, routes.version, routes.resource); },
      kube::RealClock::Instance(), isvc_options.discovery_refresh);
  auto& controller = manager.NewController(
      "inferenceservice", std::make_shared<InferenceServiceReconciler>(
                              client, caches, discovery, &manager.events(), options, isvc_options));
  controller.For(*caches.isvcs);
  for (kube::Informer* cache : {caches.deployments, caches.services, caches.hpas, caches.routes}) {
    if (cache) controller.Owns(*cache, "seed.dev", "InferenceService");
  }
  // When the holder of a child name goes away (an InferenceService deleted or renaming its
  // children, or the child objects themselves), an InferenceService that clashed with it gets its
  // turn at once rather than at the next resync.
  kube::WorkQueue* queue = &controller.queue();
  kube::Informer* isvcs = caches.isvcs;
  auto wake_wanting = [queue, isvcs](const std::string& ns, const std::string& child,
                                     const std::string& except) {
    for (const auto& other : isvcs->store().ByIndex(kube::kIndexNamespace, ns)) {
      if (MetaString(*other, "name") == except) continue;
      const std::string name = ChildNameOf(*other);
      // The stable names, and the version-specific children (Deployment, version Service, HPA:
      // <stable name>-<version digits>), whose deletion may be the last thing in the way.
      if (name == child || render::ExternalServiceName(name) == child || child.rfind(name + "-", 0) == 0) {
        queue->Add(kube::ObjectKey(*other));
      }
    }
  };
  auto isvc_gone = [wake_wanting](const kube::ObjectPtr& gone) {
    if (gone) wake_wanting(MetaString(*gone, "namespace"), ChildNameOf(*gone), MetaString(*gone, "name"));
  };
  isvcs->AddEventHandler({nullptr,
                          [isvc_gone](const kube::ObjectPtr& before, const kube::ObjectPtr& after) {
                            if (before && after && ChildNameOf(*before) != ChildNameOf(*after))
                              isvc_gone(before);
                          },
                          isvc_gone});
  auto child_gone = [wake_wanting](const kube::ObjectPtr& gone) {
    if (gone) wake_wanting(MetaString(*gone, "namespace"), MetaString(*gone, "name"), "");
  };
  for (kube::Informer* cache : {caches.deployments, caches.services, caches.hpas, caches.routes}) {
    if (cache) cache->AddEventHandler({nullptr, nullptr, child_gone});
  }
}

}  // namespace seed::controllers
