#include "pipeline_testing/deployment_status.h"

#include <cstdint>

namespace seed::pipeline_testing {

using nlohmann::json;

namespace {
int64_t Generation(const json& deployment) { return deployment["metadata"].value("generation", int64_t{1}); }
}  // namespace

json DeploymentStatus(const json& deployment, bool available) {
  const int64_t replicas = deployment["spec"].value("replicas", int64_t{1});
  const int64_t ready = available ? replicas : 0;
  return {{"status",
           {{"observedGeneration", Generation(deployment)},
            {"replicas", replicas},
            {"updatedReplicas", replicas},
            {"readyReplicas", ready},
            {"availableReplicas", ready},
            {"conditions",
             json::array(
                 {{{"type", "Available"},
                   {"status", available ? "True" : "False"},
                   {"reason", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"}},
                  {{"type", "Progressing"}, {"status", "True"}, {"reason", "NewReplicaSetAvailable"}}})}}}};
}

json StalledDeploymentStatus(const json& deployment) {
  return {{"status",
           {{"observedGeneration", Generation(deployment)},
            {"conditions", json::array({{{"type", "Progressing"},
                                         {"status", "False"},
                                         {"reason", "ProgressDeadlineExceeded"},
                                         {"message", "ReplicaSet has timed out progressing."}}})}}}};
}

}  // namespace seed::pipeline_testing
