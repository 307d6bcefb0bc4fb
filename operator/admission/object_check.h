#pragma once
// What the validating admission webhook checks of one Seed object: the checks `seed validate` runs
// on it, in the same words. A Pipeline is also checked against those of its JobTemplates that
// exist, and a PipelineRun against its Pipeline when it exists; what needs a missing object is left
// to the controllers' status conditions, because `kubectl apply -f dir/` may send a Pipeline before
// its JobTemplates (a webhook that refused it would make the order of files matter).
// Pure: the caller supplies the lookups.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/validation.h"

namespace seed::admission {

// Each returns the stored object of that kind, or nullopt when there is none.
struct ClusterLookup {
  std::function<std::optional<nlohmann::json>(const std::string& ns, const std::string& name)> job_template;
  std::function<std::optional<nlohmann::json>(const std::string& ns, const std::string& name)> pipeline;
};

// Errors of a JobTemplate, Pipeline, PipelineRun or InferenceService in namespace `ns` (paths as
// `seed validate` prints them: spec.tasks[0].name). Other kinds: none.
api::ValidationErrors CheckObject(const nlohmann::json& object, const std::string& ns,
                                  const ClusterLookup& lookup);

}  // namespace seed::admission
