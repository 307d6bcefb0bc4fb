#pragma once
// The per-run workspace PersistentVolumeClaim (from spec.workspace.volumeClaimTemplate).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/object_meta.h"
#include "api/pipeline.h"

namespace seed::render {

// nullopt unless the pipeline uses a volumeClaimTemplate.
std::optional<nlohmann::json> RenderWorkspaceClaim(const api::ObjectMeta& run,
                                                   const std::string& pipeline_name,
                                                   const api::PipelineSpec& pipeline);

// The pod volume that holds the workspace: the run's claim, an existing claim, or an emptyDir.
nlohmann::json WorkspaceVolume(const std::string& run, const api::PipelineSpec& pipeline);

}  // namespace seed::render
