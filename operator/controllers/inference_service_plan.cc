#include "controllers/inference_service_plan.h"

#include <map>
#include <utility>

#include "render/inference_service_status.h"
#include "render/labels.h"

namespace seed::controllers {

using nlohmann::json;

namespace {

std::string NameOf(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
  return object["metadata"].value("name", "");
}

std::string SpecHash(const json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  const json& meta = object["metadata"];
  if (!meta.is_object() || !meta.contains("annotations") || !meta["annotations"].is_object()) return "";
  return meta["annotations"].value(render::kSpecHashAnnotation, "");
}

// The ownerReference with controller=true, or null.
json ControllerRef(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return nullptr;
  const json& meta = object["metadata"];
  if (!meta.contains("ownerReferences") || !meta["ownerReferences"].is_array()) return nullptr;
  for (const auto& ref : meta["ownerReferences"]) {
    if (ref.is_object() && ref.value("controller", false)) return ref;
  }
  return nullptr;
}

bool ControlledBy(const json& object, const std::string& owner_uid) {
  json ref = ControllerRef(object);
  return ref.is_object() && !owner_uid.empty() && ref.value("uid", "") == owner_uid;
}

// Optional spec fields the renderer sets only sometimes: when the desired object no longer has one,
// the patch removes it (a merge patch leaves absent keys alone). Lists are replaced whole by a
// merge patch, so only map members need naming here.
std::vector<std::vector<std::string>> OptionalSpecPaths(ChildKind kind) {
  switch (kind) {
    case ChildKind::kDeployment:
      return {{"template", "spec", "nodeSelector"},
              {"template", "spec", "tolerations"},
              {"template", "spec", "serviceAccountName"}};
    case ChildKind::kService:
      return {{"externalIPs"}};
    case ChildKind::kHpa:
      return {{"behavior"}};
    case ChildKind::kRoute:
      return {};
  }
  return {};
}

const json* Find(const json& root, const std::vector<std::string>& path) {
  const json* at = &root;
  for (const auto& key : path) {
    if (!at->is_object() || !at->contains(key)) return nullptr;
    at = &(*at)[key];
  }
  return at;
}

using ChildKey = std::pair<ChildKind, std::string>;

}  // namespace

const char* ChildKindName(ChildKind kind) {
  switch (kind) {
    case ChildKind::kDeployment:
      return "Deployment";
    case ChildKind::kService:
      return "Service";
    case ChildKind::kHpa:
      return "HorizontalPodAutoscaler";
    case ChildKind::kRoute:
      return "HTTPRoute";
  }
  return "";
}

std::vector<ObservedChild> DesiredChildren(const render::InferenceServiceChildren& desired) {
  std::vector<ObservedChild> children;
  auto add = [&](ChildKind kind, const json& object) {
    if (object.is_object()) children.push_back({kind, object});
  };
  add(ChildKind::kDeployment, desired.deployment);
  add(ChildKind::kService, desired.version_service);
  add(ChildKind::kService, desired.service);
  add(ChildKind::kService, desired.external_service);
  add(ChildKind::kHpa, desired.hpa);
  add(ChildKind::kRoute, desired.route);
  return children;
}

ChildPlan PlanChildren(const render::InferenceServiceChildren& desired,
                       const std::vector<ObservedChild>& observed, const std::string& owner_uid,
                       const std::set<std::string>& keep) {
  std::map<ChildKey, const json*> seen;
  for (const auto& child : observed) {
    if (child.object.is_object()) seen[{child.kind, NameOf(child.object)}] = &child.object;
  }
  const std::vector<ObservedChild> wanted = DesiredChildren(desired);

  ChildPlan plan;
  for (const auto& child : wanted) {
    auto it = seen.find({child.kind, NameOf(child.object)});
    if (it == seen.end() || ControlledBy(*it->second, owner_uid)) continue;
    json ref = ControllerRef(*it->second);
    std::string controller = ref.is_object() ? ref.value("kind", "") + " " + ref.value("name", "") : "";
    plan.foreign.push_back({child.kind, NameOf(child.object), controller});
  }
  if (!plan.foreign.empty()) return plan;

  std::map<ChildKey, bool> is_wanted;
  for (const auto& child : wanted) is_wanted[{child.kind, NameOf(child.object)}] = true;
  auto deletions = [&](bool hpa) {
    for (const auto& [key, object] : seen) {
      if ((key.first == ChildKind::kHpa) != hpa || is_wanted.count(key) || keep.count(key.second) ||
          !ControlledBy(*object, owner_uid))
        continue;
      plan.actions.push_back({ChildActionType::kDelete, key.first, key.second, nullptr});
    }
  };
  // The autoscaler goes first: after it, writing the Deployment's replicas fights nobody.
  deletions(true);
  for (const auto& child : wanted) {
    const std::string name = NameOf(child.object);
    auto it = seen.find({child.kind, name});
    if (it == seen.end()) {
      plan.actions.push_back({ChildActionType::kCreate, child.kind, name, child.object});
    } else if (SpecHash(*it->second) != SpecHash(child.object)) {
      plan.actions.push_back(
          {ChildActionType::kPatch, child.kind, name, ChildPatch(child.kind, child.object, *it->second)});
    }
  }
  deletions(false);
  return plan;
}

json ChildPatch(ChildKind kind, const json& desired, const json& observed) {
  const json& desired_meta = desired["metadata"];
  json patch = {{"metadata",
                 {{"labels", desired_meta.value("labels", json::object())},
                  {"annotations", {{render::kSpecHashAnnotation, SpecHash(desired)}}}}},
                {"spec", desired.value("spec", json::object())}};
  const json observed_spec = observed.is_object() ? observed.value("spec", json::object()) : json::object();
  for (const auto& path : OptionalSpecPaths(kind)) {
    if (Find(patch["spec"], path) || !Find(observed_spec, path)) continue;
    json* at = &patch["spec"];
    for (size_t i = 0; i + 1 < path.size(); ++i) at = &(*at)[path[i]];
    (*at)[path.back()] = nullptr;
  }
  return patch;
}

api::Condition ForeignChildCondition(const api::InferenceService& isvc,
                                     const std::vector<ForeignChild>& foreign) {
  std::string what;
  for (const auto& child : foreign) {
    if (!what.empty()) what += ", ";
    what += std::string(ChildKindName(child.kind)) + " " + child.name + " (" +
            (child.controller.empty() ? "no controller" : "controlled by " + child.controller) + ")";
  }
  api::Condition condition;
  condition.type = render::kNameClashCondition;
  condition.status = "True";
  condition.reason = "ChildNameInUse";
  condition.message =
      "objects with this InferenceService's child names exist and are not controlled by it: " + what +
      "; delete them or change spec.serviceType, spec.model.name or spec.model.version";
  condition.observed_generation = isvc.metadata.generation;
  return condition;
}

api::InferenceServiceStatus ComputeStatus(const StatusInput& input) {
  const api::InferenceService& isvc = *input.isvc;
  const int64_t generation = isvc.metadata.generation;
  api::InferenceServiceStatus status;
  status.observed_generation = generation;

  std::vector<api::Condition> wanted;
  if (!input.invalid.empty()) {
    std::string message = "the spec is invalid (no children are created or changed): ";
    for (size_t i = 0; i < input.invalid.size(); ++i) message += (i ? "; " : "") + input.invalid[i];
    wanted.push_back(
        render::MakeCondition(render::kReadyCondition, false, "InvalidSpec", message, generation));
  } else if (input.name_clash) {
    wanted.push_back(render::MakeCondition(
        render::kReadyCondition, false, "NameClash",
        "no children are created or changed while the NameClash condition holds", generation));
    wanted.push_back(*input.name_clash);
  } else {
    status.url = input.url;
    if (input.deployment.is_object()) {
      // Desired replicas, not status.replicas: during a rollout that counts the surge pods too, so a
      // 3-replica service would read 4. The autoscaler, when there is one, writes spec.replicas.
      const json deployment_spec = input.deployment.value("spec", json::object());
      const json deployment_status = input.deployment.value("status", json::object());
      status.replicas =
          deployment_spec.contains("replicas") && deployment_spec["replicas"].is_number_integer()
              ? deployment_spec["replicas"].get<int64_t>()
              : deployment_status.value("replicas", int64_t{0});
      status.ready_replicas = deployment_status.value("readyReplicas", int64_t{0});
    }
    status.serving_version = input.serving_version;
    status.traffic = input.traffic;
    status.rollout = input.rollout;
    wanted.push_back(render::ReadyCondition(isvc, input.deployment));
    if (!input.rollout.empty()) {
      const bool complete = input.rollout.phase == "Complete";
      wanted.push_back(render::MakeCondition(render::kRolledOutCondition, complete, input.rollout.phase,
                                             input.rollout.message, generation));
    }
    if (auto routed = render::RoutedCondition(isvc, input.gateway_api_available)) {
      if (input.gateway_api_available && !input.gateway_parents_configured) {
        routed = render::MakeCondition(
            render::kRoutedCondition, false, "NoParentGateway",
            "HTTPRoute " + render::InferenceServiceStableName(isvc.spec) +
                " exists but names no Gateway, so no Gateway serves spec.host " + isvc.spec.host +
                "; set the chart value gateway.parentRefs (e.g. --set "
                "gateway.parentRefs[0].name=GATEWAY,gateway.parentRefs[0].namespace="
                "NAMESPACE), which starts seed-operator with --gateway-parent-ref",
            generation);
      }
      // The host is where clients reach the model only once a Gateway routes it.
      if (routed->status != "True") status.url = render::InferenceServiceLocalUrl(isvc);
      wanted.push_back(*routed);
    }
  }
  // lastTransitionTime moves only when a condition's status does.
  for (auto& condition : wanted) {
    condition.last_transition_time = input.now;
    for (const auto& before : input.previous.conditions) {
      if (before.type == condition.type && before.status == condition.status && before.last_transition_time) {
        condition.last_transition_time = before.last_transition_time;
      }
    }
  }
  status.conditions = std::move(wanted);
  return status;
}

}  // namespace seed::controllers
