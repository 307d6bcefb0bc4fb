#include "kube-emulator/server/rbac_authorizer.h"

#include <algorithm>

namespace kubeemu {
namespace {

constexpr char kServiceAccountPrefix[] = "system:serviceaccount:";

std::vector<std::string> Strings(const json& object, const char* field) {
  std::vector<std::string> out;
  if (!object.is_object() || !object.contains(field) || !object[field].is_array()) return out;
  for (const auto& item : object[field]) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::string Field(const json& object, const char* a, const char* b) {
  if (!object.is_object() || !object.contains(a) || !object[a].is_object()) return "";
  const json& inner = object[a];
  return inner.contains(b) && inner[b].is_string() ? inner[b].get<std::string>() : "";
}

bool AnyMatches(const std::vector<std::string>& patterns, const std::string& value) {
  return Contains(patterns, "*") || Contains(patterns, value);
}

bool ResourceMatches(const std::vector<std::string>& patterns, const RequestAttributes& request) {
  std::string combined =
      request.subresource.empty() ? request.resource : request.resource + "/" + request.subresource;
  for (const auto& pattern : patterns) {
    if (pattern == "*" || pattern == combined) return true;
    if (!request.subresource.empty() && pattern == "*/" + request.subresource) return true;
  }
  return false;
}

bool NonResourceUrlMatches(const std::vector<std::string>& patterns, const std::string& path) {
  for (const auto& pattern : patterns) {
    if (pattern == "*" || pattern == path) return true;
    if (!pattern.empty() && pattern.back() == '*' &&
        path.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0) {
      return true;
    }
  }
  return false;
}

bool RuleAllows(const json& rule, const RequestAttributes& request) {
  if (!AnyMatches(Strings(rule, "verbs"), request.verb)) return false;
  if (!request.resource_request) return NonResourceUrlMatches(Strings(rule, "nonResourceURLs"), request.path);
  if (!AnyMatches(Strings(rule, "apiGroups"), request.api_group)) return false;
  if (!ResourceMatches(Strings(rule, "resources"), request)) return false;
  std::vector<std::string> names = Strings(rule, "resourceNames");
  return names.empty() || Contains(names, request.name);
}

// `binding_ns` is the RoleBinding's namespace (empty for a ClusterRoleBinding): a ServiceAccount
// subject without a namespace means one in it.
bool SubjectApplies(const json& subject, const UserInfo& user, const std::string& binding_ns) {
  std::string kind = subject.value("kind", "");
  std::string name = subject.value("name", "");
  if (kind == "User") return name == user.name;
  if (kind == "Group") return Contains(user.groups, name);
  if (kind == "ServiceAccount") {
    std::string ns = subject.value("namespace", binding_ns);
    return !ns.empty() && user.name == kServiceAccountPrefix + ns + ":" + name;
  }
  return false;
}

bool BindingApplies(const json& binding, const UserInfo& user, const std::string& binding_ns) {
  if (!binding.is_object() || !binding.contains("subjects") || !binding["subjects"].is_array()) return false;
  return std::any_of(binding["subjects"].begin(), binding["subjects"].end(), [&](const json& subject) {
    return subject.is_object() && SubjectApplies(subject, user, binding_ns);
  });
}

const json* FindByName(const std::vector<json>& objects, const std::string& ns, const std::string& name) {
  for (const auto& object : objects) {
    if (Field(object, "metadata", "name") == name && Field(object, "metadata", "namespace") == ns)
      return &object;
  }
  return nullptr;
}

// Fills `decision` from the first rule of `role` that allows the request.
bool RoleAllows(const json* role, const std::string& role_label, const std::string& binding_label,
                const RequestAttributes& request, AuthorizationDecision* decision) {
  if (role == nullptr || !role->contains("rules") || !(*role)["rules"].is_array()) return false;
  const json& rules = (*role)["rules"];
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!RuleAllows(rules[i], request)) continue;
    decision->allowed = true;
    decision->binding = binding_label;
    decision->role = role_label;
    decision->rule_index = static_cast<int>(i);
    decision->rule = rules[i];
    return true;
  }
  return false;
}

json ClusterRole(const std::string& name, const json& rules) {
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRole"},
          {"metadata", {{"name", name}}},
          {"rules", rules}};
}

json ClusterRoleBinding(const std::string& name, const std::vector<std::string>& groups) {
  json subjects = json::array();
  for (const auto& group : groups) {
    subjects.push_back({{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "Group"}, {"name", group}});
  }
  return {{"apiVersion", "rbac.authorization.k8s.io/v1"},
          {"kind", "ClusterRoleBinding"},
          {"metadata", {{"name", name}}},
          {"roleRef", {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", name}}},
          {"subjects", subjects}};
}

}  // namespace

std::vector<std::string> GroupsOf(const std::string& user, const std::vector<std::string>& configured) {
  std::vector<std::string> groups = configured;
  auto add = [&](const std::string& group) {
    if (!Contains(groups, group)) groups.push_back(group);
  };
  if (user.rfind(kServiceAccountPrefix, 0) == 0) {
    std::string rest = user.substr(sizeof kServiceAccountPrefix - 1);
    auto colon = rest.find(':');
    if (colon != std::string::npos && colon > 0) {
      add("system:serviceaccounts");
      add("system:serviceaccounts:" + rest.substr(0, colon));
    }
  }
  add(user == "system:anonymous" ? "system:unauthenticated" : "system:authenticated");
  return groups;
}

RbacPolicy BootstrapPolicy() {
  RbacPolicy policy;
  policy.cluster_roles.push_back(ClusterRole(
      "system:discovery", json::array({{{"verbs", {"get"}},
                                        {"nonResourceURLs",
                                         {"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                          "/openapi", "/openapi/*", "/readyz", "/version", "/version/"}}}})));
  policy.cluster_roles.push_back(ClusterRole(
      "system:public-info-viewer",
      json::array({{{"verbs", {"get"}},
                    {"nonResourceURLs", {"/healthz", "/livez", "/readyz", "/version", "/version/"}}}})));
  policy.cluster_role_bindings.push_back(ClusterRoleBinding("system:discovery", {"system:authenticated"}));
  policy.cluster_role_bindings.push_back(
      ClusterRoleBinding("system:public-info-viewer", {"system:authenticated", "system:unauthenticated"}));
  return policy;
}

AuthorizationDecision Authorize(const RbacPolicy& policy, const UserInfo& user,
                                const RequestAttributes& request) {
  AuthorizationDecision decision;
  if (Contains(user.groups, "system:masters")) {
    decision.allowed = true;
    decision.bypass = "system:masters";
    return decision;
  }
  for (const auto& binding : policy.cluster_role_bindings) {
    if (Field(binding, "roleRef", "kind") != "ClusterRole" || !BindingApplies(binding, user, "")) continue;
    std::string role_name = Field(binding, "roleRef", "name");
    if (RoleAllows(FindByName(policy.cluster_roles, "", role_name), "ClusterRole/" + role_name,
                   "ClusterRoleBinding/" + Field(binding, "metadata", "name"), request, &decision)) {
      return decision;
    }
  }
  // RoleBindings grant only inside their namespace, and never non-resource URLs.
  if (!request.resource_request || request.ns.empty()) return decision;
  for (const auto& binding : policy.role_bindings) {
    if (Field(binding, "metadata", "namespace") != request.ns || !BindingApplies(binding, user, request.ns))
      continue;
    std::string role_kind = Field(binding, "roleRef", "kind");
    std::string role_name = Field(binding, "roleRef", "name");
    std::string binding_label = "RoleBinding/" + request.ns + "/" + Field(binding, "metadata", "name");
    const json* role = role_kind == "Role"          ? FindByName(policy.roles, request.ns, role_name)
                       : role_kind == "ClusterRole" ? FindByName(policy.cluster_roles, "", role_name)
                                                    : nullptr;
    std::string role_label =
        role_kind == "Role" ? "Role/" + request.ns + "/" + role_name : "ClusterRole/" + role_name;
    if (RoleAllows(role, role_label, binding_label, request, &decision)) return decision;
  }
  return decision;
}

std::string ForbiddenMessage(const UserInfo& user, const RequestAttributes& request) {
  if (!request.resource_request) {
    return "forbidden: User \"" + user.name + "\" cannot " + request.verb + " path \"" + request.path + "\"";
  }
  std::string qualified =
      request.api_group.empty() ? request.resource : request.resource + "." + request.api_group;
  std::string subject = request.name.empty() ? qualified + " is forbidden"
                                             : qualified + " \"" + request.name + "\" is forbidden";
  std::string resource =
      request.subresource.empty() ? request.resource : request.resource + "/" + request.subresource;
  std::string where = request.ns.empty() ? "at the cluster scope" : "in the namespace \"" + request.ns + "\"";
  return subject + ": User \"" + user.name + "\" cannot " + request.verb + " resource \"" + resource +
         "\" in API group \"" + request.api_group + "\" " + where;
}

}  // namespace kubeemu
