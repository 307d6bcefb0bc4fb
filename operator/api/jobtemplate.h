#pragma once
// JobTemplate: a reusable, parameterised job.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/object_meta.h"
#include "api/param_spec.h"
#include "api/pod_settings.h"
#include "api/validation.h"

namespace seed::api {

enum class OutputKind { kArtifact, kValue };

struct OutputSpec {
  std::string name;
  OutputKind kind = OutputKind::kValue;
  std::string description;
  std::string file;  // artifact only: its file name in the task's directory; empty: the output name

  // The artifact's file name: `file`, else the output name (report.html, or plain report).
  const std::string& FileName() const { return file.empty() ? name : file; }
};

struct TaskResources {
  nlohmann::json requests = nlohmann::json::object();  // {cpu: 500m, memory: 256Mi}
  nlohmann::json limits = nlohmann::json::object();
  int64_t gpu = 0;  // nvidia.com/gpu limit
};
// `resources:` of a JobTemplate or an InferenceService: quantities checked, errors appended.
TaskResources ParseTaskResources(const nlohmann::json& value, const std::string& path, ValidationErrors* errors);

struct JobTemplateSpec {
  std::string description;
  std::string image;              // empty: the configured default job image
  std::string image_pull_policy;  // empty: Kubernetes default
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<ParamSpec> params;
  std::vector<OutputSpec> outputs;
  TaskResources resources;
  nlohmann::json env = nlohmann::json::array();  // [{name, value | valueFrom}]
  nlohmann::json volumes = nlohmann::json::array();
  nlohmann::json volume_mounts = nlohmann::json::array();
  nlohmann::json node_selector = nlohmann::json::object();
  nlohmann::json tolerations = nlohmann::json::array();
  PodSettings pod;  // imagePullSecrets, priorityClassName, serviceAccountName, affinity, security contexts
  std::optional<int64_t> retries;
  std::optional<int64_t> timeout_seconds;
  std::optional<std::vector<int64_t>> retry_on;  // exit codes worth retrying

  const ParamSpec* FindParam(const std::string& name) const;
  const OutputSpec* FindOutput(const std::string& name) const;
};

struct JobTemplate {
  ObjectMeta metadata;
  JobTemplateSpec spec;
};

// Parses and validates `spec` alone (path prefix "spec"); every error is recorded.
JobTemplateSpec ParseJobTemplateSpec(const nlohmann::json& spec, const std::string& path,
                                     ValidationErrors* errors);
// A whole object: apiVersion, kind, metadata and spec.
JobTemplate ParseJobTemplate(const nlohmann::json& object, ValidationErrors* errors);

// Names Seed sets itself; user env may not override them.
bool IsReservedEnvName(const std::string& name);

}  // namespace seed::api
