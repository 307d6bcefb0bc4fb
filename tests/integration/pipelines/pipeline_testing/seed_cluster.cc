#include "pipeline_testing/seed_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "api/time_format.h"
#include "api/yaml_json.h"
#include "controllers/file_clock.h"

namespace seed::pipeline_testing {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string PluralOf(const std::string& kind) {
  std::string lower = kind;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!lower.empty() && lower.back() == 's') return lower + "es";
  if (!lower.empty() && lower.back() == 'y') return lower.substr(0, lower.size() - 1) + "ies";
  return lower + "s";
}

void ThrowIfFailure(const json& response, const std::string& what) {
  if (response.is_object() && response.value("kind", "") == "Status" &&
      response.value("status", "") == "Failure") {
    throw std::runtime_error(what + ": " + response.value("message", response.dump()));
  }
}

}  // namespace

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds poll) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(poll);
  }
}

std::string SourceDir() { return SEED_SOURCE_DIR; }

SeedCluster::SeedCluster(ClusterOptions options) {
  char pattern[] = "/tmp/seed-cluster-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  kubeemu::EmulatorOptions emulator_options;
  emulator_options.tls = options.tls;
  emulator_options.history = options.history;
  emulator_options.tokens = {{options.operator_token, options.operator_user},
                             {"kubelet-token", kKubeletUser},
                             {"admin-token", kAdminUser}};
  for (int i = 1; i < options.operator_replicas; ++i) {
    emulator_options.tokens.emplace_back(options.operator_token + "-" + std::to_string(i),
                                         options.operator_user + "-" + std::to_string(i));
  }
  operator_user_ = options.operator_user;
  emulator_options.rbac = options.rbac;
  emulator_options.gateway_api = options.gateway_api;
  emulator_options.extra_args = {"--pod-log-dir", dir_ + "/pods"};
  // A real kubelet is authorized by the Node authorizer, which the emulator does not have.
  emulator_options.groups = {{kKubeletUser, "system:masters"}, {kAdminUser, "system:masters"}};
  emulator_ = std::make_unique<kubeemu::EmulatorProcess>(emulator_options);
  operator_kubeconfig_ = emulator_->WriteKubeconfig(dir_ + "/operator.kubeconfig", options.operator_token);
  replica_kubeconfigs_.push_back(operator_kubeconfig_);
  for (int i = 1; i < options.operator_replicas; ++i) {
    replica_kubeconfigs_.push_back(
        emulator_->WriteKubeconfig(dir_ + "/operator-" + std::to_string(i) + ".kubeconfig",
                                   options.operator_token + "-" + std::to_string(i)));
  }
  kubelet_kubeconfig_ = emulator_->WriteKubeconfig(dir_ + "/kubelet.kubeconfig", "kubelet-token");
  admin_kubeconfig_ = emulator_->WriteKubeconfig(dir_ + "/admin.kubeconfig", "admin-token");
  clock_file_ = dir_ + "/clock";
  SetClock(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  if (options.apply_crds) ApplyCrds();
}

std::string SeedCluster::OperatorUser(int replica) const {
  return replica == 0 ? operator_user_ : operator_user_ + "-" + std::to_string(replica);
}

bool SeedCluster::ApplyCrds() {
  bool have_crds = false;
  for (const auto& entry : fs::directory_iterator(SourceDir() + "/crds")) {
    have_crds = have_crds || entry.path().extension() == ".yaml";
  }
  ApplyDir(have_crds ? SourceDir() + "/crds"
                     : SourceDir() + "/tests/integration/pipelines/testdata/fallback_crds");
  return have_crds;
}

SeedCluster::~SeedCluster() {
  emulator_.reset();
  // SEED_TEST_KEEP_DIR=1 keeps the operators' logs and kubeconfigs for a person to read.
  if (const char* keep = std::getenv("SEED_TEST_KEEP_DIR"); keep && *keep && std::string(keep) != "0") {
    std::cerr << "seed cluster: kept " << dir_ << std::endl;
    return;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string SeedCluster::PathFor(const std::string& plural, const std::string& name) {
  static const std::map<std::string, std::string> kGroupVersion = {
      {"pods", "/api/v1"},
      {"persistentvolumeclaims", "/api/v1"},
      {"events", "/api/v1"},
      {"services", "/api/v1"},
      {"deployments", "/apis/apps/v1"},
      {"horizontalpodautoscalers", "/apis/autoscaling/v2"},
      {"httproutes", "/apis/gateway.networking.k8s.io/v1"}};
  const auto known = kGroupVersion.find(plural);
  const std::string prefix = known != kGroupVersion.end() ? known->second : "/apis/seed.dev/v1alpha1";
  const std::string base = prefix + "/namespaces/default/" + plural;
  return name.empty() ? base : base + "/" + name;
}

void SeedCluster::Apply(const std::string& yaml) {
  for (const auto& document : api::ParseYamlDocuments(yaml)) {
    const json& object = document.value;
    if (!object.is_object()) continue;
    std::string api_version = object.value("apiVersion", "");
    std::string kind = object.value("kind", "");
    std::string path;
    if (kind == "CustomResourceDefinition" || kind == "Namespace") {
      path = "/apis/" + api_version + "/" + PluralOf(kind);
      if (kind == "Namespace") path = "/api/v1/namespaces";
    } else {
      std::string ns = object.value("metadata", json::object()).value("namespace", "default");
      std::string prefix =
          api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
      path = prefix + "/namespaces/" + ns + "/" + PluralOf(kind);
    }
    ThrowIfFailure(emulator_->Request("POST", path, object),
                   "creating " + kind + " " + object["metadata"].value("name", "") + " (line " +
                       std::to_string(document.line) + ")");
  }
}

void SeedCluster::ApplyFile(const std::string& path) { Apply(ReadFile(path)); }

void SeedCluster::ApplyDir(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(entry.path().string());
  }
  if (files.empty()) throw std::runtime_error("no YAML files in " + dir);
  std::sort(files.begin(), files.end());
  for (const auto& file : files) ApplyFile(file);
}

json SeedCluster::Get(const std::string& plural, const std::string& name) const {
  return emulator_->Request("GET", PathFor(plural, name));
}

std::vector<json> SeedCluster::List(const std::string& plural) const {
  json list = emulator_->Request("GET", PathFor(plural));
  ThrowIfFailure(list, "listing " + plural);
  return list.value("items", json::array()).get<std::vector<json>>();
}

json SeedCluster::MergePatch(const std::string& plural, const std::string& name, const json& patch) const {
  json result = emulator_->Request("PATCH", PathFor(plural, name), patch, "application/merge-patch+json");
  ThrowIfFailure(result, "patching " + plural + "/" + name);
  return result;
}

void SeedCluster::Delete(const std::string& plural, const std::string& name) const {
  ThrowIfFailure(emulator_->Request("DELETE", PathFor(plural, name)), "deleting " + plural + "/" + name);
}

std::vector<json> SeedCluster::Writes() const {
  json writes = emulator_->Admin("GET", "/writes");
  return writes.is_array() ? writes.get<std::vector<json>>() : std::vector<json>{};
}

void SeedCluster::SetClock(std::chrono::sys_seconds time) {
  if (!controllers::FileClock::Write(clock_file_, time))
    throw std::runtime_error("cannot write " + clock_file_);
  clock_ = time;
}

std::string SeedCluster::ClockText() const { return api::FormatRfc3339(clock_); }

WriteSummary SummarizeWrites(const std::vector<json>& writes) {
  WriteSummary summary;
  for (const auto& write : writes) {
    int code = write.value("code", 0);
    if (code < 200 || code >= 300) continue;
    if (write.value("user", "") == kOperatorUser) ++summary.operator_writes;
    if (write.value("verb", "") != "create" || !write.value("subresource", "").empty()) continue;
    const std::string resource = write.value("resource", "");
    if (resource == "pods") ++summary.pod_creates[write.value("name", "")];
    if (resource == "pipelineruns") ++summary.run_creates[write.value("name", "")];
  }
  return summary;
}

}  // namespace seed::pipeline_testing
