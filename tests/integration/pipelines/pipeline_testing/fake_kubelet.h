#pragma once
// A fake kubelet for tests: watches pods through the API (an informer), and for each new pod asks
// a policy what the pod does, then PATCHes the pod's status subresource: Running (startTime,
// containerStatuses[].state.running), then Succeeded or Failed with
// containerStatuses[].state.terminated{exitCode, reason, message = results JSON}. A pod the policy
// holds stays Running until the test completes it.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "kube/client.h"
#include "kube/informer.h"

namespace seed::pipeline_testing {

struct PodOutcome {
  enum class Kind { kSucceed, kFail, kHold };
  Kind kind = Kind::kSucceed;
  int exit_code = 0;
  std::string results;  // the termination message (the task's results file)
  std::string reason;   // pod status.reason, e.g. DeadlineExceeded
  static PodOutcome Succeed(std::string results = "") { return {Kind::kSucceed, 0, std::move(results), ""}; }
  static PodOutcome Fail(int code, std::string reason = "") { return {Kind::kFail, code, "", std::move(reason)}; }
  static PodOutcome Hold() { return {Kind::kHold, 0, "", ""}; }
};

using PodPolicy = std::function<PodOutcome(const nlohmann::json& pod)>;

struct FakeKubeletOptions {
  // Straight to the final phase in one status write (what a very fast kubelet would report).
  bool skip_running = false;
  // Timestamps written into the pod status (RFC 3339); the real clock when empty.
  std::function<std::string()> now;
};

class FakeKubelet {
 public:
  FakeKubelet(const std::string& kubeconfig, PodPolicy policy, FakeKubeletOptions options = {});
  ~FakeKubelet();
  FakeKubelet(const FakeKubelet&) = delete;
  FakeKubelet& operator=(const FakeKubelet&) = delete;

  // Finishes a held pod; returns false if the pod is unknown or not held.
  bool Complete(const std::string& pod_name, const PodOutcome& outcome);
  // Names of pods currently held Running.
  std::set<std::string> Held() const;
  // Pods seen so far (every pod name the kubelet started), in order.
  std::vector<std::string> Started() const;

 private:
  void Work();
  void Handle(const std::string& key);
  bool Patch(const std::string& ns, const std::string& name, const nlohmann::json& status);
  std::string Now() const;

  std::shared_ptr<kube::Client> client_;
  std::unique_ptr<kube::Informer> informer_;
  PodPolicy policy_;
  FakeKubeletOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::set<std::string> seen_;                   // pod uids handled
  std::map<std::string, std::string> held_;      // pod name -> namespace
  std::map<std::string, std::string> started_at_;
  std::vector<std::string> started_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace seed::pipeline_testing
