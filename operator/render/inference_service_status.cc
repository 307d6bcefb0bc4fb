#include "render/inference_service_status.h"

#include "render/inference_service.h"

namespace seed::render {

using nlohmann::json;

api::Condition MakeCondition(const char* type, bool status, std::string reason, std::string message,
                             int64_t generation) {
  api::Condition condition;
  condition.type = type;
  condition.status = status ? "True" : "False";
  condition.reason = std::move(reason);
  condition.message = std::move(message);
  condition.observed_generation = generation;
  return condition;
}

namespace {

const json* FindCondition(const json& status, const std::string& type) {
  if (!status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const auto& condition : status["conditions"]) {
    if (condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

// Created first wins; same second: the smaller name wins.
bool Older(const api::InferenceService& a, const api::InferenceService& b) {
  if (a.metadata.creation_timestamp && b.metadata.creation_timestamp &&
      *a.metadata.creation_timestamp != *b.metadata.creation_timestamp) {
    return *a.metadata.creation_timestamp < *b.metadata.creation_timestamp;
  }
  return a.metadata.name < b.metadata.name;
}

}  // namespace

api::Condition ReadyCondition(const api::InferenceService& isvc, const json& deployment) {
  const int64_t generation = isvc.metadata.generation;
  std::string name = InferenceServiceChildName(isvc.spec);
  if (deployment.is_object()) name = deployment["metadata"].value("name", name);
  if (!deployment.is_object()) {
    return MakeCondition(kReadyCondition, false, "DeploymentNotFound",
                         "Deployment " + name + " does not exist yet", generation);
  }
  const json status = deployment.value("status", json::object());
  const int64_t wanted_generation =
      deployment.value("metadata", json::object()).value("generation", int64_t{0});
  if (status.value("observedGeneration", int64_t{0}) < wanted_generation) {
    return MakeCondition(kReadyCondition, false, "RolloutPending",
                         "Deployment " + name + " has not yet observed its latest spec", generation);
  }
  const int64_t replicas = status.value("replicas", int64_t{0});
  const int64_t ready = status.value("readyReplicas", int64_t{0});
  const int64_t available = status.value("availableReplicas", int64_t{0});
  const std::string counts = std::to_string(ready) + " of " + std::to_string(replicas) + " replicas ready";
  if (const json* progressing = FindCondition(status, "Progressing");
      progressing && progressing->value("status", "") == "False") {
    return MakeCondition(
        kReadyCondition, false, progressing->value("reason", "ProgressDeadlineExceeded"),
        "Deployment " + name + ": " + progressing->value("message", "rollout stalled") + " (" + counts + ")",
        generation);
  }
  const json* availability = FindCondition(status, "Available");
  if (availability && availability->value("status", "") == "True" && available >= 1) {
    return MakeCondition(kReadyCondition, true, "MinimumReplicasAvailable",
                         counts + "; the model is loaded and serving", generation);
  }
  return MakeCondition(kReadyCondition, false, "ModelNotReady",
                       counts + ": a pod is Ready once its model is loaded (readiness probe /v2/models/" +
                           isvc.spec.model.name + "/ready); see the pods' events and logs",
                       generation);
}

std::optional<api::Condition> RoutedCondition(const api::InferenceService& isvc, bool gateway_api_available) {
  if (isvc.spec.host.empty()) return std::nullopt;
  const int64_t generation = isvc.metadata.generation;
  if (!gateway_api_available) {
    return MakeCondition(
        kRoutedCondition, false, "GatewayAPINotInstalled",
        "spec.host " + isvc.spec.host + (isvc.spec.traffic.empty() ? "" : " and spec.traffic") +
            " need an HTTPRoute, but the cluster does not serve gateway.networking.k8s.io/v1; install the "
            "Gateway API CRDs and a gateway controller, or reach the model through Service " +
            InferenceServiceStableName(isvc.spec),
        generation);
  }
  return MakeCondition(kRoutedCondition, true, "HTTPRouteRendered",
                       "HTTPRoute " + InferenceServiceStableName(isvc.spec) + " routes " + isvc.spec.host,
                       generation);
}

std::optional<api::Condition> NameClashCondition(const api::InferenceService& isvc,
                                                 const std::vector<api::InferenceService>& others) {
  const std::string name = InferenceServiceStableName(isvc.spec);
  const api::InferenceService* owner = nullptr;
  for (const auto& other : others) {
    if (other.metadata.name == isvc.metadata.name || other.metadata.namespace_ != isvc.metadata.namespace_)
      continue;
    if (InferenceServiceStableName(other.spec) != name || !Older(other, isvc)) continue;
    if (!owner || Older(other, *owner)) owner = &other;
  }
  if (!owner) return std::nullopt;
  return MakeCondition(
      kNameClashCondition, true, "ChildNameInUse",
      "InferenceService " + owner->metadata.name + " already owns the children named " + name +
          " (serviceType-model.name; the Services clients use keep it across versions); change "
          "spec.serviceType or spec.model.name so the names differ",
      isvc.metadata.generation);
}

}  // namespace seed::render
