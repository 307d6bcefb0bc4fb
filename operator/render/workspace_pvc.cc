#include "render/workspace_pvc.h"

#include "render/labels.h"
#include "render/names.h"

namespace seed::render {

using nlohmann::json;

std::optional<json> RenderWorkspaceClaim(const api::ObjectMeta& run, const std::string& pipeline_name,
                                         const api::PipelineSpec& pipeline) {
  if (pipeline.workspace.kind != api::Workspace::Kind::kVolumeClaimTemplate) return std::nullopt;
  const json& tmpl = pipeline.workspace.volume_claim_template;
  json metadata = {{"name", WorkspaceClaimName(run.name)}};
  if (!run.namespace_.empty()) metadata["namespace"] = run.namespace_;
  json labels = json::object();
  if (tmpl.contains("metadata") && tmpl["metadata"].contains("labels")) labels = tmpl["metadata"]["labels"];
  labels.update(RunChildLabels(run.name, pipeline_name));
  metadata["labels"] = labels;
  if (tmpl.contains("metadata") && tmpl["metadata"].contains("annotations")) {
    metadata["annotations"] = tmpl["metadata"]["annotations"];
  }
  metadata["ownerReferences"] = json::array({ControllerReference("PipelineRun", run)});
  json claim = {{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"}, {"metadata", metadata}};
  claim["spec"] = tmpl.value("spec", json::object());
  if (!claim["spec"].contains("accessModes")) claim["spec"]["accessModes"] = json::array({"ReadWriteOnce"});
  claim["metadata"]["annotations"][kSpecHashAnnotation] = LongHash(claim["spec"].dump());
  return claim;
}

json WorkspaceVolume(const std::string& run, const api::PipelineSpec& pipeline) {
  switch (pipeline.workspace.kind) {
    case api::Workspace::Kind::kVolumeClaimTemplate:
      return {{"name", "seed-workspace"},
              {"persistentVolumeClaim", {{"claimName", WorkspaceClaimName(run)}}}};
    case api::Workspace::Kind::kPersistentVolumeClaim:
      return {{"name", "seed-workspace"},
              {"persistentVolumeClaim", {{"claimName", pipeline.workspace.claim_name}}}};
    case api::Workspace::Kind::kNone:
      break;
  }
  return {{"name", "seed-workspace"}, {"emptyDir", json::object()}};
}

}  // namespace seed::render
