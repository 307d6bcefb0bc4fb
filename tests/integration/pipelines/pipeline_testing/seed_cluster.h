#pragma once
// One test's cluster: the test API emulator with Seed's CRDs applied, kubeconfigs for the
// operator and the fake kubelet, a test clock file, YAML apply, and queries of objects and of the
// emulator's write log.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube-emulator/emulator_process.h"

namespace seed::pipeline_testing {

inline constexpr char kOperatorUser[] = "system:serviceaccount:seed-system:seed-operator";
inline constexpr char kKubeletUser[] = "system:node:fake-kubelet";
inline constexpr char kAdminUser[] = "cluster-admin";

// Polls `condition` (observable state, not time) until true or `timeout`; returns its last value.
bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll = std::chrono::milliseconds(20));

// The repository's source tree.
std::string SourceDir();

struct ClusterOptions {
  bool tls = true;
  int history = 10000;
  // The emulator's RBAC mode: the operator's token has only what the stored Roles grant its user; the
  // helper's own admin identity and the fake kubelet are in system:masters.
  bool rbac = false;
  std::string operator_user = kOperatorUser;
  std::string operator_token = "operator-token";  // the bearer token in the operator's kubeconfig
  // More operator identities, for replicas told apart in the write log: replica i > 0 has the token
  // operator_token + "-<i>" and the user OperatorUser(i) (operator_user + "-<i>").
  int operator_replicas = 1;
  bool apply_crds = true;  // false when the test installs them itself (e.g. with a Helm chart)
  bool gateway_api = false;
};

class SeedCluster {
 public:
  explicit SeedCluster(ClusterOptions options = {});
  ~SeedCluster();

  kubeemu::EmulatorProcess& emulator() { return *emulator_; }
  const std::string& operator_kubeconfig() const { return operator_kubeconfig_; }
  // Replica `i`'s kubeconfig (ClusterOptions::operator_replicas); 0 is operator_kubeconfig().
  const std::string& operator_kubeconfig(int replica) const { return replica_kubeconfigs_.at(replica); }
  std::string OperatorUser(int replica) const;
  const std::string& kubelet_kubeconfig() const { return kubelet_kubeconfig_; }
  // Where pods/NAME/log reads from: PodLogDir()/NAME.log (a pod runner's scratch directory).
  std::string PodLogDir() const { return dir_ + "/pods"; }
  // A cluster administrator (group system:masters), e.g. for helm.
  const std::string& admin_kubeconfig() const { return admin_kubeconfig_; }
  std::string Dir() const { return dir_; }

  // Creates every document of a YAML stream (namespace "default" unless set). Throws with the
  // server's message when a create fails.
  void Apply(const std::string& yaml);
  void ApplyFile(const std::string& path);
  // Every *.yaml file directly in `dir`, in name order.
  void ApplyDir(const std::string& dir);
  // The CRDs from crds/ (the minimal schemaless ones in testdata/ while crds/ has none); returns
  // whether crds/ was used.
  bool ApplyCrds();

  // The API path of an object (or, without a name, its collection) in namespace "default": Seed's
  // kinds by plural, and pods, persistentvolumeclaims, (core) events, services, deployments,
  // horizontalpodautoscalers and httproutes.
  static std::string PathFor(const std::string& plural, const std::string& name = "");

  // Objects in namespace "default" by plural, as PathFor names them.
  nlohmann::json Get(const std::string& plural, const std::string& name) const;
  std::vector<nlohmann::json> List(const std::string& plural) const;
  nlohmann::json MergePatch(const std::string& plural, const std::string& name,
                            const nlohmann::json& patch) const;
  void Delete(const std::string& plural, const std::string& name) const;

  // GET /emulator/writes.
  std::vector<nlohmann::json> Writes() const;

  // The test clock (a file the operator reads with --test-clock-file).
  const std::string& clock_file() const { return clock_file_; }
  void SetClock(std::chrono::sys_seconds time);
  std::chrono::sys_seconds clock() const { return clock_; }
  std::string ClockText() const;

 private:
  std::string dir_;
  std::unique_ptr<kubeemu::EmulatorProcess> emulator_;
  std::string operator_kubeconfig_;
  std::vector<std::string> replica_kubeconfigs_;
  std::string operator_user_;
  std::string kubelet_kubeconfig_;
  std::string admin_kubeconfig_;
  std::string clock_file_;
  std::chrono::sys_seconds clock_{};
};

// Summary of the write log for pods and runs (only successful writes count).
struct WriteSummary {
  std::map<std::string, int> pod_creates;  // pod name -> successful creates
  std::map<std::string, int> run_creates;  // run name -> successful creates
  int operator_writes = 0;
};
WriteSummary SummarizeWrites(const std::vector<nlohmann::json>& writes);

}  // namespace seed::pipeline_testing
