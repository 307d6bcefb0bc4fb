#pragma once
// Conditions of an InferenceService derived from what exists (pure; the controller writes them).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/inference_service.h"
#include "api/object_meta.h"

namespace seed::render {

inline constexpr char kReadyCondition[] = "Ready";
inline constexpr char kRoutedCondition[] = "TrafficRouted";
// True (reason Complete) once spec.model.version serves all traffic; False with reason Progressing
// or RolledBack (status.rollout says why).
inline constexpr char kRolledOutCondition[] = "RolledOut";
inline constexpr char kNameClashCondition[] = "NameClash";

// A condition stamped with the generation it describes.
api::Condition MakeCondition(const char* type, bool status, std::string reason, std::string message,
                             int64_t generation);

// Ready from the observed Deployment of the version that owns traffic (null when it does not exist
// yet; during an upgrade that is the old version): True only when the
// Deployment has observed its latest spec, is Available and has a ready replica (each pod is
// Ready only once its model is loaded).
api::Condition ReadyCondition(const api::InferenceService& isvc, const nlohmann::json& deployment);

// Whether traffic for spec.host is routed; nullopt when no host is set. False with reason
// GatewayAPINotInstalled when the cluster does not serve the HTTPRoute API.
std::optional<api::Condition> RoutedCondition(const api::InferenceService& isvc, bool gateway_api_available);

// When another InferenceService in the same namespace maps to the same stable name, the one
// created first (then the smaller name) keeps the children; the other gets this condition
// (status True, reason ChildNameInUse) and must not touch them. nullopt when `isvc` owns its name.
std::optional<api::Condition> NameClashCondition(const api::InferenceService& isvc,
                                                 const std::vector<api::InferenceService>& others);

}  // namespace seed::render
