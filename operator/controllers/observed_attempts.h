#pragma once
// What the planner needs to know of a run's pods: per task, each attempt's state, times, exit
// code, reason and results (the termination message). Pure; no I/O.
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/planner.h"

namespace seed::controllers {

// One task pod as the planner sees it; nullopt for a pod without the task and attempt labels.
std::optional<std::pair<std::string, engine::ObservedAttempt>> ObserveTaskPod(const nlohmann::json& pod);

// Every labelled pod of one run, grouped by task and sorted by attempt.
engine::ObservedTasks ObserveTaskPods(const std::vector<const nlohmann::json*>& pods);

}  // namespace seed::controllers
