#pragma once
// Replays the states a client of an InferenceService's stable Service lived through, from watch (or
// audit) events of Services and Deployments, in resourceVersion order: from the first moment an
// Available Deployment backs a stable Service, every later state must still have one.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace seed::pipeline_testing {

// `events`: {"type", "object"} of Services and Deployments, in any order. `stable_services`: the names
// of the Services to check (their selector's app.kubernetes.io/instance names the Deployment). Returns
// the number of states checked after each Service first had a backend; each state without one is
// described in `bad`.
int ReplayBackends(const std::vector<nlohmann::json>& events, const std::set<std::string>& stable_services,
                   std::vector<std::string>* bad);

// The Deployment a Service selects (its selector's app.kubernetes.io/instance).
std::string SelectedDeployment(const nlohmann::json& service);

}  // namespace seed::pipeline_testing
