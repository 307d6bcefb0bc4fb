#pragma once
// What the deployment controller writes to a Deployment's status subresource (the emulator runs no
// controllers), for tests that stand in for it: all replicas ready and Available, none ready, or a
// rollout past its progressDeadlineSeconds.
#include <nlohmann/json.hpp>

namespace seed::pipeline_testing {

// A status patch for `deployment`: every replica of spec.replicas ready (Available=True), or none
// (Available=False), observed at its generation.
nlohmann::json DeploymentStatus(const nlohmann::json& deployment, bool available);
// A status patch saying its rollout timed out (Progressing=False, ProgressDeadlineExceeded).
nlohmann::json StalledDeploymentStatus(const nlohmann::json& deployment);

}  // namespace seed::pipeline_testing
