#include "rbac_coverage.h"

namespace seed::helm_testing {

using nlohmann::json;

namespace {

std::vector<std::string> Strings(const json& rule, const char* field) {
  std::vector<std::string> out;
  if (rule.contains(field) && rule[field].is_array()) {
    for (const auto& item : rule[field]) out.push_back(item.get<std::string>());
  }
  return out;
}

// A policy that grants exactly `rule` to `user`, cluster-wide or in `ns`.
kubeemu::RbacPolicy PolicyOf(const json& rule, const std::string& ns, const kubeemu::UserInfo& user) {
  json subjects = json::array({{{"kind", "User"}, {"name", user.name}}});
  json role = {{"metadata", {{"name", "probe"}}}, {"rules", json::array({rule})}};
  json binding = {{"metadata", {{"name", "probe"}}}, {"subjects", subjects}};
  kubeemu::RbacPolicy policy;
  if (ns.empty()) {
    binding["roleRef"] = {{"kind", "ClusterRole"}, {"name", "probe"}};
    policy.cluster_roles.push_back(role);
    policy.cluster_role_bindings.push_back(binding);
  } else {
    role["metadata"]["namespace"] = ns;
    binding["metadata"]["namespace"] = ns;
    binding["roleRef"] = {{"kind", "Role"}, {"name", "probe"}};
    policy.roles.push_back(role);
    policy.role_bindings.push_back(binding);
  }
  return policy;
}

bool AnyRequestNeeds(const json& rule, const std::string& ns, const kubeemu::UserInfo& user,
                     const json& log) {
  kubeemu::RbacPolicy policy = PolicyOf(rule, ns, user);
  for (const auto& entry : log) {
    if (kubeemu::Authorize(policy, user, AttributesOfLogEntry(entry)).allowed) return true;
  }
  return false;
}

}  // namespace

kubeemu::RequestAttributes AttributesOfLogEntry(const json& entry) {
  kubeemu::RequestAttributes request;
  request.verb = entry.value("verb", "");
  request.resource_request = entry.value("resourceRequest", true);
  request.api_group = entry.value("group", "");
  request.resource = entry.value("resource", "");
  request.subresource = entry.value("subresource", "");
  request.ns = entry.value("namespace", "");
  request.name = entry.value("name", "");
  request.path = entry.value("path", "");
  return request;
}

std::vector<std::string> UnusedPermissions(const std::vector<GrantedRole>& roles,
                                           const kubeemu::UserInfo& user, const json& log) {
  std::vector<std::string> unused;
  for (const auto& role : roles) {
    for (size_t index = 0; index < role.rules.size(); ++index) {
      const json& rule = role.rules[index];
      std::string where = role.label + " rule " + std::to_string(index) + ": ";
      for (const auto& verb : Strings(rule, "verbs")) {
        for (const auto& url : Strings(rule, "nonResourceURLs")) {
          json single = {{"verbs", {verb}}, {"nonResourceURLs", {url}}};
          if (!AnyRequestNeeds(single, "", user, log)) unused.push_back(where + verb + " " + url);
        }
        for (const auto& group : Strings(rule, "apiGroups")) {
          for (const auto& resource : Strings(rule, "resources")) {
            json single = {{"verbs", {verb}}, {"apiGroups", {group}}, {"resources", {resource}}};
            std::string names;
            if (rule.contains("resourceNames")) {
              single["resourceNames"] = rule["resourceNames"];
              names = " [" + rule["resourceNames"].dump() + "]";
            }
            if (!AnyRequestNeeds(single, role.ns, user, log)) {
              unused.push_back(where + verb + " " + (group.empty() ? "core" : group) + "/" + resource +
                               names);
            }
          }
        }
      }
    }
  }
  return unused;
}

}  // namespace seed::helm_testing
