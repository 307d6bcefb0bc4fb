#pragma once
// Parameter sweeps (a task's `sweep`): the trials, as the items of a fan-out, and the best one.
//   grid:   every combination of the params' values, params in name order, the last varying fastest
//           (cut to the first `trials` when set);
//   random: `trials` distinct combinations drawn without replacement with std::mt19937_64 seeded
//           by `seed` (a generator the C++ standard specifies, and a bounded draw written here), so
//           a seed gives the same trials on every platform.
// A trial is a JSON object {param: value}; the planner passes its values as the template params.
#include <nlohmann/json.hpp>
#include <optional>

#include "api/pipeline.h"

namespace seed::engine {

nlohmann::json SweepTrials(const api::Sweep& sweep);

// The index of the best trial by `objective` values (numbers, or numeric strings; anything else,
// such as null for a failed trial, is left out); ties go to the lowest index. nullopt when no
// trial has a value.
std::optional<size_t> BestTrial(const nlohmann::json& objectives, bool minimize);

}  // namespace seed::engine
