#include "controllers/workspace_claim.h"

#include <algorithm>
#include <cctype>

namespace seed::controllers {

using nlohmann::json;

namespace {

bool MentionsClaim(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text.find("persistentvolumeclaim") != std::string::npos;
}

}  // namespace

ClaimObservation ObserveWorkspaceClaim(const std::vector<const json*>& pods) {
  ClaimObservation observed;
  for (const json* pod : pods) {
    const json status = pod->value("status", json::object());
    if (!status.is_object()) continue;
    if (status.value("phase", "Pending") != "Pending") {
      observed.scheduled = true;
      continue;
    }
    for (const auto& condition : status.value("conditions", json::array())) {
      if (!condition.is_object() || condition.value("type", "") != "PodScheduled") continue;
      if (condition.value("status", "") == "True") {
        observed.scheduled = true;
      } else if (condition.value("reason", "") == "Unschedulable" &&
                 MentionsClaim(condition.value("message", ""))) {
        observed.unbound = true;
        observed.scheduler_message = condition.value("message", "");
      }
    }
  }
  return observed;
}

std::optional<std::string> WorkspaceClaimName(const std::string& run, const api::Workspace& workspace) {
  switch (workspace.kind) {
    case api::Workspace::Kind::kVolumeClaimTemplate:
      return run + "-workspace";
    case api::Workspace::Kind::kPersistentVolumeClaim:
      return workspace.claim_name;
    case api::Workspace::Kind::kNone:
      break;
  }
  return std::nullopt;
}

bool ClaimPending(const api::PipelineRunStatus& status) {
  for (const auto& condition : status.conditions) {
    if (condition.type == kWorkspaceCondition && condition.status == "False") return true;
  }
  return false;
}

bool UpdateWorkspaceCondition(const std::string& claim, const ClaimObservation& observed, api::Seconds now,
                              int64_t generation, api::PipelineRunStatus* status) {
  const api::Condition* current = nullptr;
  for (const auto& condition : status->conditions) {
    if (condition.type == kWorkspaceCondition) current = &condition;
  }
  if (observed.unbound && !observed.scheduled) {
    const bool turned = !current || current->status != "False";
    std::string message =
        "workspace claim " + claim +
        " is not bound, so the task pods cannot be scheduled (scheduler: " + observed.scheduler_message +
        "). Check `kubectl describe pvc " + claim +
        "`: without a default StorageClass set storageClassName in the claim's spec (or "
        "create a PersistentVolume it can bind)";
    if (message.size() > 1000) message = message.substr(0, 997) + "...";
    api::SetCondition(&status->conditions,
                      {kWorkspaceCondition, "False", "ClaimPending", message, now, generation});
    return turned;
  }
  if (current && current->status == "False" && observed.scheduled) {
    api::SetCondition(&status->conditions, {kWorkspaceCondition, "True", "ClaimBound",
                                            "workspace claim " + claim + " is bound", now, generation});
  }
  return false;
}

}  // namespace seed::controllers
