#pragma once
// Whether a component's RBAC rules are least privilege in practice: every single permission a rule
// grants (one apiGroup x resource x verb, or one nonResourceURL x verb) matched at least one request
// the component made, judged by the emulator's own RBAC authorizer over its decision log. Pure.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube-emulator/server/rbac_authorizer.h"

namespace seed::helm_testing {

// One role granted to the component: its label (as the emulator logs it, e.g. "ClusterRole/x" or
// "Role/ns/x"), its namespace (empty for a ClusterRole bound cluster-wide) and its rules.
struct GrantedRole {
  std::string label;
  std::string ns;
  nlohmann::json rules;
};

// The log entry of GET /emulator/authorizations as request attributes.
kubeemu::RequestAttributes AttributesOfLogEntry(const nlohmann::json& entry);

// Each permission of `roles` that no request in `log` (the component's entries) needed, described as
// "ClusterRole/x rule 2: get apps/deployments" (resourceNames, when the rule has them, in brackets).
std::vector<std::string> UnusedPermissions(const std::vector<GrantedRole>& roles,
                                           const kubeemu::UserInfo& user, const nlohmann::json& log);

}  // namespace seed::helm_testing
