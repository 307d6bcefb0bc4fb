// A run's workspace claim that stays unbound: the WorkspaceBound condition from the pods' scheduler
// messages, its Event turning point, and the claim each kind of workspace mounts.
#include "controllers/workspace_claim.h"

#include <gtest/gtest.h>

#include "api/time_format.h"

namespace seed::controllers {
namespace {

using nlohmann::json;

// What kube-scheduler writes on a pod whose claim is unbound (Kubernetes 1.29).
const json kUnschedulable = json::parse(R"({"metadata": {"name": "r-qc-1"}, "status": {"phase": "Pending",
  "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
  "message": "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."}]}})");
const json kNoCpu = json::parse(R"({"metadata": {"name": "r-qc-1"}, "status": {"phase": "Pending",
  "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
  "message": "0/3 nodes are available: 3 Insufficient cpu."}]}})");
const json kRunning = json::parse(R"({"metadata": {"name": "r-qc-1"}, "status": {"phase": "Running",
  "conditions": [{"type": "PodScheduled", "status": "True"}]}})");

api::Seconds At(const char* text) { return *api::ParseRfc3339(text); }

const api::Condition* Find(const api::PipelineRunStatus& status) {
  for (const auto& condition : status.conditions) {
    if (condition.type == kWorkspaceCondition) return &condition;
  }
  return nullptr;
}

TEST(WorkspaceClaimTest, UnboundClaimIsAConditionAndOneEventThenBoundOnceScheduled) {
  api::PipelineRunStatus status;
  auto observed = ObserveWorkspaceClaim({&kUnschedulable});
  EXPECT_TRUE(observed.unbound);
  EXPECT_FALSE(observed.scheduled);
  EXPECT_TRUE(UpdateWorkspaceCondition("r-workspace", observed, At("2026-12-07T03:00:00Z"), 1, &status));
  const api::Condition* condition = Find(status);
  ASSERT_NE(condition, nullptr);
  EXPECT_EQ(condition->status, "False");
  EXPECT_EQ(condition->reason, "ClaimPending");
  EXPECT_NE(condition->message.find("workspace claim r-workspace is not bound"), std::string::npos);
  EXPECT_NE(condition->message.find("pod has unbound immediate PersistentVolumeClaims"), std::string::npos);
  EXPECT_NE(condition->message.find("storageClassName"), std::string::npos);

  // Still pending a minute later: no second Event, the transition time stays.
  EXPECT_FALSE(UpdateWorkspaceCondition("r-workspace", observed, At("2026-12-07T03:01:00Z"), 1, &status));
  EXPECT_EQ(Find(status)->last_transition_time, At("2026-12-07T03:00:00Z"));

  // Bound: the pod is scheduled.
  EXPECT_FALSE(UpdateWorkspaceCondition("r-workspace", ObserveWorkspaceClaim({&kRunning}),
                                        At("2026-12-07T03:05:00Z"), 1, &status));
  EXPECT_EQ(Find(status)->status, "True");
  EXPECT_EQ(Find(status)->reason, "ClaimBound");
  EXPECT_FALSE(ClaimPending(status));
}

TEST(WorkspaceClaimTest, OtherSchedulingProblemsAndHealthyRunsAddNoCondition) {
  api::PipelineRunStatus status;
  EXPECT_FALSE(UpdateWorkspaceCondition("r-workspace", ObserveWorkspaceClaim({&kNoCpu}),
                                        At("2026-12-07T03:00:00Z"), 1, &status));
  EXPECT_FALSE(UpdateWorkspaceCondition("r-workspace", ObserveWorkspaceClaim({&kRunning}),
                                        At("2026-12-07T03:00:00Z"), 1, &status));
  EXPECT_EQ(Find(status), nullptr);
}

TEST(WorkspaceClaimTest, ClaimNamePerWorkspaceKind) {
  api::Workspace workspace;
  EXPECT_EQ(WorkspaceClaimName("r", workspace), std::nullopt);
  workspace.kind = api::Workspace::Kind::kVolumeClaimTemplate;
  EXPECT_EQ(WorkspaceClaimName("r", workspace), "r-workspace");
  workspace.kind = api::Workspace::Kind::kPersistentVolumeClaim;
  workspace.claim_name = "wind-data";
  EXPECT_EQ(WorkspaceClaimName("r", workspace), "wind-data");
}

}  // namespace
}  // namespace seed::controllers
