#pragma once
// A checker for the restricted Pod Security Standard (which includes the baseline profile), as
// https://kubernetes.io/docs/concepts/security/pod-security-standards/ defines it for Kubernetes
// 1.31. The chart tests apply it to every pod the project ships or creates. Written by hand because
// the reference implementation (k8s.io/pod-security-admission) is Go and no Debian package offers
// it to C++.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace seed::pss {

struct Violation {
  std::string control;  // the standard's control name, e.g. "Privilege Escalation"
  std::string field;    // where, e.g. spec.containers[0].securityContext.allowPrivilegeEscalation
  std::string message;  // what is wrong and what is allowed
};

// Every restricted-profile violation of a Pod spec (the object under `spec` of a Pod or of a pod
// template) with its metadata (for the AppArmor annotations; may be null). Empty when it complies.
std::vector<Violation> CheckRestricted(const nlohmann::json& pod_metadata, const nlohmann::json& pod_spec);

// Violations one per line, "control: field: message", for test failure messages.
std::string Describe(const std::vector<Violation>& violations);

}  // namespace seed::pss
