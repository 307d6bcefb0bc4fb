#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kubeemu {

using json = nlohmann::json;

// Who is asking: the authenticated user name and its groups.
struct UserInfo {
  std::string name;
  std::vector<std::string> groups;
};

// What is asked, as the API server's request info describes it.
struct RequestAttributes {
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection
  bool resource_request = true;
  std::string api_group;    // "" for the core group
  std::string resource;     // plural
  std::string subresource;  // e.g. status
  std::string ns;           // empty for cluster-scoped requests
  std::string name;         // empty for collections
  std::string path;         // the URL path, for non-resource requests (/api, /version, ...)
};

// The RBAC objects the decision depends on, as stored (rbac.authorization.k8s.io/v1 JSON).
struct RbacPolicy {
  std::vector<json> roles;
  std::vector<json> role_bindings;
  std::vector<json> cluster_roles;
  std::vector<json> cluster_role_bindings;
};

struct AuthorizationDecision {
  bool allowed = false;
  // How it was allowed: "system:masters" for the privileged group, else the binding, the role and the
  // index of the rule that matched, and the rule itself.
  std::string bypass;
  std::string binding;  // "ClusterRoleBinding/name" or "RoleBinding/ns/name"
  std::string role;     // "ClusterRole/name" or "Role/ns/name"
  int rule_index = -1;
  json rule;
};

// The groups a user belongs to: the configured ones, plus what the authenticator adds (a service
// account's user "system:serviceaccount:<ns>:<name>" is in system:serviceaccounts and
// system:serviceaccounts:<ns>; every user but system:anonymous is in system:authenticated).
std::vector<std::string> GroupsOf(const std::string& user, const std::vector<std::string>& configured);

// The default ClusterRoles and ClusterRoleBindings every cluster has that matter here:
// system:discovery and system:public-info-viewer (discovery, /version, /healthz for everyone
// authenticated).
RbacPolicy BootstrapPolicy();

// The RBAC authorizer's decision, as Kubernetes makes it: members of system:masters may do anything;
// otherwise the request is allowed when a rule of a ClusterRole bound by a ClusterRoleBinding, or of
// a Role or ClusterRole bound by a RoleBinding in the request's namespace, matches it (verbs,
// apiGroups, resources with "resource/subresource" and "*/subresource", resourceNames; nonResourceURLs
// with a trailing "*" only through ClusterRoleBindings). Pure.
AuthorizationDecision Authorize(const RbacPolicy& policy, const UserInfo& user,
                                const RequestAttributes& request);

// The message of the 403 Forbidden Status, worded as the API server words it, e.g.
// `pods "p1" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`.
std::string ForbiddenMessage(const UserInfo& user, const RequestAttributes& request);

}  // namespace kubeemu
