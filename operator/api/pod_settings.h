#pragma once
// The pod-level settings a task pod takes from a Pipeline's podDefaults and, over them, from its
// JobTemplate: imagePullSecrets, priorityClassName, serviceAccountName, automountServiceAccountToken,
// affinity and the pod and
// container securityContext. Parse and validate here; render/task_pod.cc merges them.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/field_reader.h"

namespace seed::api {

struct PodSettings {
  nlohmann::json image_pull_secrets = nlohmann::json::array();  // [{name}]
  std::string priority_class_name;                              // empty: unset
  std::string service_account_name;                             // empty: unset
  // Unset: the pod mounts no API token unless it runs under a serviceAccountName (then the
  // account decides); set: wins either way.
  std::optional<bool> automount_service_account_token;
  nlohmann::json affinity;                                      // a Kubernetes Affinity; null when unset
  // Pod and container securityContext fields over the restricted defaults; null when unset.
  nlohmann::json pod_security_context;
  nlohmann::json security_context;
};

// Reads imagePullSecrets, priorityClassName, serviceAccountName, affinity, podSecurityContext and
// securityContext from `reader`; names must be DNS subdomains, secrets {name: ...} objects.
PodSettings ReadPodSettings(FieldReader& reader, ValidationErrors* errors);

// `over` wins field by field; imagePullSecrets are the union (by name, `base` first); the
// security contexts merge key by key.
PodSettings MergePodSettings(const PodSettings& base, const PodSettings& over);

}  // namespace seed::api
