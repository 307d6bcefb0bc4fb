#pragma once
// What the InferenceService controller does to the children of one InferenceService, decided from
// the desired children (render) and the observed ones (caches). Pure: no I/O, same input -> same plan.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/inference_service.h"
#include "render/inference_service.h"

namespace seed::controllers {

// The kinds of children an InferenceService has.
enum class ChildKind { kDeployment, kService, kHpa, kRoute };
const char* ChildKindName(ChildKind kind);  // Deployment, Service, HorizontalPodAutoscaler, HTTPRoute

// A child as the caches show it (or the API server when no cache exists).
struct ObservedChild {
  ChildKind kind = ChildKind::kDeployment;
  nlohmann::json object;
};

enum class ChildActionType { kCreate, kPatch, kDelete };

struct ChildAction {
  ChildActionType type = ChildActionType::kCreate;
  ChildKind kind = ChildKind::kDeployment;
  std::string name;
  nlohmann::json body;  // the object to create, or the JSON merge patch; null for a delete
};

// A child with a desired name that exists but is not controlled by this InferenceService.
struct ForeignChild {
  ChildKind kind = ChildKind::kDeployment;
  std::string name;
  std::string controller;  // "<Kind> <name>" of its controller, or "" when it has none
};

struct ChildPlan {
  std::vector<ChildAction> actions;   // in the order to run them
  std::vector<ForeignChild> foreign;  // when not empty, `actions` is empty: nothing is touched
};

// The desired children as (kind, object) pairs; null members are left out.
std::vector<ObservedChild> DesiredChildren(const render::InferenceServiceChildren& desired);

// Decides the writes:
//  - a desired child that does not exist is created;
//  - one that exists with a different seed.dev/spec-hash annotation is merge-patched (ChildPatch);
//  - an observed child controlled by `owner_uid` that is not desired (its kind renders null, or it
//    belongs to another model version) is deleted, unless its name is in `keep` (a version the
//    rollout still serves or retires later; its children are then left exactly as they are);
//  - a desired name held by an object this InferenceService does not control stops everything.
// HPA deletions run first, so a Deployment patch that sets spec.replicas never races an autoscaler.
// `observed` holds the children found under the desired names and those controlled by `owner_uid`.
ChildPlan PlanChildren(const render::InferenceServiceChildren& desired,
                       const std::vector<ObservedChild>& observed, const std::string& owner_uid,
                       const std::set<std::string>& keep = {});

// The JSON merge patch that turns `observed` into `desired`: the desired labels, the spec-hash
// annotation and the desired spec. Fields the API server owns (a Service's clusterIP, nodePorts) and
// a Deployment's spec.replicas when the desired object leaves it out (an HPA owns it) are never
// written; optional fields the operator sets and the desired object no longer has are removed
// (null). Other labels and annotations on the child are kept.
nlohmann::json ChildPatch(ChildKind kind, const nlohmann::json& desired, const nlohmann::json& observed);

// Everything the status is computed from.
struct StatusInput {
  const api::InferenceService* isvc = nullptr;
  api::InferenceServiceStatus previous;      // as stored
  nlohmann::json deployment;                 // the Deployment that owns traffic (null when absent)
  std::string serving_version;               // its model.version
  std::vector<api::VersionTraffic> traffic;  // every live version's share
  api::RolloutStatus rollout;                // from DecideRollout
  std::optional<api::Condition> name_clash;  // from NameClashCondition or foreign children
  std::vector<std::string> invalid;          // validation errors: no children were touched
  bool gateway_api_available = false;
  bool gateway_parents_configured = false;
  std::string url;
  std::chrono::sys_seconds now{};
};

// url, replicas, readyReplicas (of the version that owns traffic), servingVersion, traffic,
// rollout, observedGeneration and the conditions Ready, RolledOut, TrafficRouted (when spec.host
// is set) and NameClash (while it holds). A condition keeps its lastTransitionTime while
// its status does not change, so an unchanged world gives an identical status (and no write).
api::InferenceServiceStatus ComputeStatus(const StatusInput& input);

// The NameClash condition for children under the desired names that something else controls.
api::Condition ForeignChildCondition(const api::InferenceService& isvc,
                                     const std::vector<ForeignChild>& foreign);

}  // namespace seed::controllers
