#pragma once
// A local pod runner for end-to-end tests: a stand-in kubelet that watches pods through the API and
// runs each pod's container command and args as a local process with the pod's env (a Secret key's
// value read through the API, as the kubelet reads it). The first command word is mapped to a local
// program (seed-job -> the built binary), /seed/workspace to a directory, and $SEED_RESULTS_FILE to
// a per-pod file. It writes the pod status back through the status subresource: Running, then
// Succeeded or Failed with the exit code and the results file as the termination message (at most
// 4096 bytes, as the kubelet). A deleted pod's process gets SIGTERM, then SIGKILL after 5 s. Secret
// volumes are read through the API too and written to a per-pod directory that stands in for their
// mountPath (in env values and argv).
#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "kube/informer.h"

namespace seed::e2e {

struct LocalPodRunnerOptions {
  std::string kubeconfig;
  std::string workspace_dir;                    // stands in for /seed/workspace
  std::string scratch_dir;                      // results files and process logs
  std::map<std::string, std::string> programs;  // command[0] -> local executable
};

class LocalPodRunner {
 public:
  explicit LocalPodRunner(LocalPodRunnerOptions options);
  ~LocalPodRunner();  // terminates what still runs
  LocalPodRunner(const LocalPodRunner&) = delete;
  LocalPodRunner& operator=(const LocalPodRunner&) = delete;

  // Pods started so far, in order.
  std::vector<std::string> Started() const;
  // The combined stdout and stderr of a pod's process.
  std::string LogOf(const std::string& pod) const;

 private:
  void Launch(const nlohmann::json& pod);
  void RunPod(nlohmann::json pod);
  std::string MapPath(const std::string& text) const;
  // Writes the pod's Secret volumes under the scratch directory; returns mountPath -> directory,
  // or sets *error when a Secret or key is missing (a kubelet would keep the pod ContainerCreating).
  std::map<std::string, std::string> MountSecrets(const nlohmann::json& pod, std::string* error);
  bool PatchStatus(const std::string& ns, const std::string& name, const nlohmann::json& status);

  LocalPodRunnerOptions options_;
  std::shared_ptr<kube::Client> client_;
  std::unique_ptr<kube::Informer> informer_;
  mutable std::mutex mu_;
  std::set<std::string> seen_;               // pod uids
  std::map<std::string, pid_t> running_;     // pod name -> process group
  std::vector<std::string> started_;
  std::vector<std::thread> threads_;
  bool stopping_ = false;
};

}  // namespace seed::e2e
