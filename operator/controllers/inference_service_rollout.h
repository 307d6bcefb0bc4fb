#pragma once
// Which model version of an InferenceService owns its traffic, decided from the observed children
// and the stored status. Pure: no I/O, same input -> same decision.
//
// A version change never takes traffic from the serving version before the new one can carry it:
//  1. pending   the new version's Deployment is created (as many replicas as the serving one, no
//               HPA); the stable Services keep selecting the old version;
//  2. canary    (spec.rollout with an HTTPRoute) once the new Deployment is Available, the route's
//               weights step through spec.rollout.steps, one step per intervalSeconds;
//  3. switch    once Available (and, with a canary, at the 100 % step) the stable Services select
//               the new version and its HPA is created;
//  4. retire    after retire_delay (so proxies drop the old endpoints first) the old version's
//               Deployment, HPA and version Service are deleted.
// Rollback: the new version's Deployment stalls (ProgressDeadlineExceeded), stops being Available
// during the canary, or its error ratio passes maxErrorRatio: the old version keeps (or gets back)
// all traffic and the new version's children are deleted. It stays rolled back until the spec
// changes (a new metadata.generation).
//
// Stream mode (spec.stream: no Services) has nothing to switch: the new version's Deployment starts
// beside the old one, and once it is Available (consuming) the old one is retired after
// retire_delay; a stalled new version is rolled back the same way.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/inference_service.h"
#include "render/inference_service.h"

namespace seed::controllers {

inline constexpr char kRolloutProgressing[] = "Progressing";
inline constexpr char kRolloutComplete[] = "Complete";
inline constexpr char kRolloutRolledBack[] = "RolledBack";
inline constexpr std::chrono::seconds kDefaultRetireDelay{10};

struct RolloutInput {
  const api::InferenceService* isvc = nullptr;
  // Deployments controlled by the InferenceService (any version).
  std::vector<nlohmann::json> deployments;
  nlohmann::json stable_service;      // the observed stable Service, or null
  api::RolloutStatus previous;        // status.rollout as stored
  bool canary = false;                // spec.rollout is set and the HTTPRoute is rendered
  bool stream = false;                // spec.stream: no Services; versions overlap, then the old retires
  std::optional<double> error_ratio;  // the new version's failed/total requests, when measured
  std::chrono::sys_seconds now{};
  std::chrono::seconds retire_delay = kDefaultRetireDelay;
};

struct RolloutEvent {
  std::string type;  // Normal | Warning
  std::string reason;
  std::string note;
};

struct RolloutDecision {
  render::TrafficView view;           // what to render
  std::set<std::string> keep;         // other versions' child names whose children stay
  nlohmann::json serving_deployment;  // the Deployment that owns traffic (null when none)
  std::string serving_version;        // its model.version
  std::vector<api::VersionTraffic> traffic;
  api::RolloutStatus status;
  std::vector<RolloutEvent> events;
  std::optional<std::chrono::seconds> requeue_after;  // a step or a retirement is due then
};

RolloutDecision DecideRollout(const RolloutInput& input);

// True when the Deployment observed its latest spec, reports Available and has all its desired
// replicas (at least one) available.
bool DeploymentAvailable(const nlohmann::json& deployment);
// The model.version a version's Deployment serves (its annotation, else its SEED_MODEL_VERSION).
std::string DeploymentModelVersion(const nlohmann::json& deployment);

}  // namespace seed::controllers
