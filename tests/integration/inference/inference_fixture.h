#pragma once
// One test's world for the InferenceService controller: the emulator with Seed's CRDs (and, when
// asked, the Gateway API's HTTPRoute CRD), seed-operator running against it, and reads of the
// children, the write log and the operator's metrics.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline_testing/operator_process.h"
#include "pipeline_testing/seed_cluster.h"

namespace seed::inference_testing {

inline constexpr std::chrono::seconds kTimeout{20};
inline constexpr char kParentGateway[] = "gateway-system/seed-gateway";

class InferenceTest : public ::testing::Test {
 protected:
  // Starts the cluster (with the HTTPRoute CRD when `gateway_api`) and then the operator, with
  // `extra_args` added to its flags (and the test clock when `test_clock`).
  void Start(bool gateway_api, const std::vector<std::string>& extra_args = {}, bool test_clock = false);
  void TearDown() override;

  pipeline_testing::SeedCluster& cluster() { return *cluster_; }

  // Creates an InferenceService in "default" from YAML; returns the stored object.
  nlohmann::json CreateIsvc(const std::string& yaml);
  nlohmann::json Isvc(const std::string& name) const;
  nlohmann::json PatchIsvc(const std::string& name, const nlohmann::json& patch) const;

  // A child by kind ("deployments", "services", "horizontalpodautoscalers", "httproutes"); null
  // when it does not exist.
  nlohmann::json Child(const std::string& plural, const std::string& name) const;
  // Merge patch of a child (subresource "" or "status") with a field manager of our own, as another
  // controller (an HPA, the deployment controller) would write it.
  nlohmann::json PatchChild(const std::string& plural, const std::string& name, const nlohmann::json& patch,
                            const std::string& subresource = "", const std::string& manager = "test") const;
  static std::string ChildPath(const std::string& plural, const std::string& name);

  // Polls until `check` holds (bounded by kTimeout); returns whether it did.
  bool Eventually(const std::function<bool()>& check) const;
  bool WaitChild(const std::string& plural, const std::string& name);
  bool WaitGone(const std::string& plural, const std::string& name);
  // Reports a Deployment as the deployment controller would: Available with all its replicas
  // ready, or none ready (Available=False).
  void SetDeploymentAvailable(const std::string& name, bool available);
  // Every watch event of `plural` after resourceVersion `from` (the emulator replays its history),
  // each as {"type", "object"}, in order.
  std::vector<nlohmann::json> WatchHistory(const std::string& plural, const std::string& from) const;

  // The condition of `type` in the InferenceService's status, or null.
  nlohmann::json Condition(const std::string& isvc, const std::string& type) const;

  // The write log's last sequence number, and the operator's writes after `after_seq`
  // (events excluded unless asked), each as "verb resource[/subresource] name code".
  int64_t LastWriteSeq() const;
  std::vector<std::string> OperatorWrites(int64_t after_seq, bool with_events = false) const;
  // Events recorded about an InferenceService (events.k8s.io/v1), as "Type Reason: note".
  std::vector<std::string> Events(const std::string& isvc) const;

  // The operator's controller_runtime_reconcile_total for the inferenceservice controller (all
  // results), and whether its work queue is empty.
  int64_t ReconcileCount() const;
  bool QueueIdle() const;
  // Waits until the operator is idle: its queue empty and no worker busy, with the reconcile count
  // and the write log unchanged over several consecutive polls.
  bool Settle() const;

  std::unique_ptr<pipeline_testing::SeedCluster> cluster_;
  std::unique_ptr<pipeline_testing::OperatorProcess> operator_;
  std::string log_path_;

 private:
  std::string Metrics() const;
  int metrics_port_ = 0;
};

}  // namespace seed::inference_testing
