#pragma once
// Whether a run's workspace claim is bound, as its task pods show it (pure): a claim that stays
// Pending (no default StorageClass, no matching PersistentVolume, a missing claim) keeps every pod
// unschedulable, and the scheduler says so in the pod's PodScheduled condition. The operator needs
// no access to PersistentVolumeClaims for this, and it covers both the per-run claim
// (volumeClaimTemplate) and a shared one (persistentVolumeClaim).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/pipeline.h"
#include "api/pipelinerun.h"

namespace seed::controllers {

inline constexpr char kWorkspaceCondition[] = "WorkspaceBound";

struct ClaimObservation {
  bool unbound = false;    // a pod is unschedulable because of a PersistentVolumeClaim
  bool scheduled = false;  // a pod got past scheduling (so the claim was bound)
  std::string scheduler_message;
};
ClaimObservation ObserveWorkspaceClaim(const std::vector<const nlohmann::json*>& pods);

// The claim a run's pods mount: <run>-workspace or the shared claim; nullopt without a claim.
std::optional<std::string> WorkspaceClaimName(const std::string& run, const api::Workspace& workspace);

// Whether `status` holds WorkspaceBound False.
bool ClaimPending(const api::PipelineRunStatus& status);

// Sets WorkspaceBound False (reason ClaimPending, with the scheduler's words and what to do) while
// the claim keeps pods unschedulable, and True (ClaimBound) once a pod is scheduled after that; no
// condition while nothing was ever wrong. Returns true when it has just turned False in `status`
// (the caller compares with the stored status to decide on an Event).
bool UpdateWorkspaceCondition(const std::string& claim, const ClaimObservation& observed, api::Seconds now,
                              int64_t generation, api::PipelineRunStatus* status);

}  // namespace seed::controllers
