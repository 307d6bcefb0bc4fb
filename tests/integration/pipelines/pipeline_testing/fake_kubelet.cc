#include "pipeline_testing/fake_kubelet.h"

#include "api/time_format.h"
#include "kube/config.h"

namespace seed::pipeline_testing {

using nlohmann::json;

FakeKubelet::FakeKubelet(const std::string& kubeconfig, PodPolicy policy, FakeKubeletOptions options)
    : policy_(std::move(policy)), options_(std::move(options)) {
  auto config = kube::LoadKubeconfig({kubeconfig});
  if (!config.ok()) throw std::runtime_error("fake kubelet: " + config.error().ToString());
  config->qps = 100000;
  config->burst = 100000;
  config->user_agent = "fake-kubelet";
  client_ = kube::Client::FromConfig(*config);
  kube::InformerOptions informer_options;
  informer_options.gvr = kube::PodsResource();
  informer_ = std::make_unique<kube::Informer>(client_, informer_options);
  auto enqueue = [this](const kube::ObjectPtr& pod) {
    if (!pod) return;
    if (pod->value("status", json::object()).value("phase", "Pending") != "Pending") return;
    std::lock_guard lock(mu_);
    queue_.push_back(kube::ObjectKey(*pod));
    cv_.notify_one();
  };
  informer_->AddEventHandler({enqueue, [enqueue](const kube::ObjectPtr&, const kube::ObjectPtr& n) { enqueue(n); },
                              [this](const kube::ObjectPtr& pod) {
                                std::lock_guard lock(mu_);
                                held_.erase((*pod)["metadata"].value("name", ""));
                              }});
  worker_ = std::thread([this] { Work(); });
  informer_->Start();
  if (!informer_->WaitForSync(std::chrono::seconds(10))) throw std::runtime_error("fake kubelet: pod informer did not sync");
}

FakeKubelet::~FakeKubelet() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  informer_->Stop();
  worker_.join();
}

std::string FakeKubelet::Now() const {
  if (options_.now) return options_.now();
  return api::FormatRfc3339(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

bool FakeKubelet::Patch(const std::string& ns, const std::string& name, const json& status) {
  kube::PatchOptions options;
  options.subresource = "status";
  auto result = client_->Patch(kube::PodsResource(), ns, name, kube::PatchType::kMerge, json{{"status", status}}, options);
  return result.ok();
}

void FakeKubelet::Work() {
  for (;;) {
    std::string key;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      key = queue_.front();
      queue_.pop_front();
    }
    Handle(key);
  }
}

void FakeKubelet::Handle(const std::string& key) {
  kube::ObjectPtr pod = informer_->store().Get(key);
  if (!pod || (*pod)["metadata"].contains("deletionTimestamp")) return;
  const std::string uid = (*pod)["metadata"].value("uid", "");
  const std::string name = (*pod)["metadata"].value("name", "");
  const std::string ns = (*pod)["metadata"].value("namespace", "");
  {
    std::lock_guard lock(mu_);
    if (!seen_.insert(uid).second) return;
    started_.push_back(name);
  }
  PodOutcome outcome = policy_(*pod);
  std::string start = Now();
  {
    std::lock_guard lock(mu_);
    started_at_[name] = start;
  }
  if (!options_.skip_running || outcome.kind == PodOutcome::Kind::kHold) {
    json running = {{"phase", "Running"},
                    {"startTime", start},
                    {"containerStatuses",
                     {{{"name", "main"}, {"ready", true}, {"restartCount", 0}, {"state", {{"running", {{"startedAt", start}}}}}}}}};
    if (!Patch(ns, name, running)) return;
  }
  if (outcome.kind == PodOutcome::Kind::kHold) {
    std::lock_guard lock(mu_);
    held_[name] = ns;
    return;
  }
  Complete(name, outcome);  // not held: finish now
}

bool FakeKubelet::Complete(const std::string& name, const PodOutcome& outcome) {
  std::string ns, start;
  {
    std::lock_guard lock(mu_);
    auto held = held_.find(name);
    if (held != held_.end()) {
      ns = held->second;
      held_.erase(held);
    }
    auto it = started_at_.find(name);
    if (it != started_at_.end()) start = it->second;
  }
  if (ns.empty()) {
    // Not held: a pod finishing straight from Handle.
    for (const auto& object : informer_->store().List()) {
      if ((*object)["metadata"].value("name", "") == name) ns = (*object)["metadata"].value("namespace", "");
    }
    if (ns.empty()) return false;
  }
  std::string end = Now();
  bool ok = outcome.kind == PodOutcome::Kind::kSucceed;
  json terminated = {{"exitCode", ok ? 0 : outcome.exit_code},
                     {"reason", ok ? "Completed" : "Error"},
                     {"startedAt", start.empty() ? end : start},
                     {"finishedAt", end}};
  if (!outcome.results.empty()) terminated["message"] = outcome.results;
  json status = {{"phase", ok ? "Succeeded" : "Failed"},
                 {"startTime", start.empty() ? end : start},
                 {"containerStatuses",
                  {{{"name", "main"}, {"ready", false}, {"restartCount", 0}, {"state", {{"terminated", terminated}}}}}}};
  if (!outcome.reason.empty()) status["reason"] = outcome.reason;
  return Patch(ns, name, status);
}

std::set<std::string> FakeKubelet::Held() const {
  std::lock_guard lock(mu_);
  std::set<std::string> names;
  for (const auto& [name, ns] : held_) names.insert(name);
  return names;
}

std::vector<std::string> FakeKubelet::Started() const {
  std::lock_guard lock(mu_);
  return started_;
}

}  // namespace seed::pipeline_testing
