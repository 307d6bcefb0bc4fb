#include "kube-emulator/server/resource_registry.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "kube-emulator/server/api_error.h"

namespace kubeemu {
namespace {

ResourceType Builtin(std::string group, std::string version, std::string plural, std::string singular,
                     std::string kind, bool namespaced, bool has_status,
                     std::vector<std::string> short_names = {}) {
  ResourceType type;
  type.group = std::move(group);
  type.version = std::move(version);
  type.plural = std::move(plural);
  type.singular = std::move(singular);
  type.kind = std::move(kind);
  type.namespaced = namespaced;
  type.has_status = has_status;
  type.short_names = std::move(short_names);
  return type;
}

std::vector<std::string> StringList(const json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

// Kubernetes version priority: GA before beta before alpha, higher numbers first (v2 > v1 > v1beta2).
std::tuple<int, int, int> VersionPriority(const std::string& version) {
  int major = 0;
  int minor = 0;
  std::string stage;
  size_t i = 1;
  while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) {
    major = major * 10 + (version[i++] - '0');
  }
  while (i < version.size() && std::isalpha(static_cast<unsigned char>(version[i]))) stage += version[i++];
  while (i < version.size() && std::isdigit(static_cast<unsigned char>(version[i]))) {
    minor = minor * 10 + (version[i++] - '0');
  }
  int stage_rank = stage.empty() ? 3 : stage == "beta" ? 2 : stage == "alpha" ? 1 : 0;
  return {stage_rank, major, minor};
}

const std::vector<std::string> kVerbs = {"create", "delete", "deletecollection", "get",
                                         "list",   "patch",  "update",           "watch"};

}  // namespace

ResourceRegistry::ResourceRegistry(bool gateway_api) {
  Add(Builtin("", "v1", "namespaces", "namespace", "Namespace", false, true, {"ns"}));
  Add(Builtin("", "v1", "configmaps", "configmap", "ConfigMap", true, false, {"cm"}));
  Add(Builtin("", "v1", "secrets", "secret", "Secret", true, false));
  Add(Builtin("", "v1", "pods", "pod", "Pod", true, true, {"po"}));
  Add(Builtin("", "v1", "services", "service", "Service", true, true, {"svc"}));
  Add(Builtin("", "v1", "events", "event", "Event", true, false, {"ev"}));
  Add(Builtin("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, true,
              {"pvc"}));
  Add(Builtin("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, false, {"sa"}));
  AddRbacAndPolicyKinds();
  Add(Builtin("apps", "v1", "deployments", "deployment", "Deployment", true, true, {"deploy"}));
  Add(Builtin("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler",
              "HorizontalPodAutoscaler", true, true, {"hpa"}));
  Add(Builtin("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, false));
  Add(Builtin("events.k8s.io", "v1", "events", "event", "Event", true, false, {"ev"}));
  Add(Builtin("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations",
              "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, false));
  Add(Builtin("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
              "CustomResourceDefinition", false, true, {"crd", "crds"}));
  if (gateway_api) {
    Add(Builtin("gateway.networking.k8s.io", "v1", "httproutes", "httproute", "HTTPRoute", true, true));
  }
}

void ResourceRegistry::AddRbacAndPolicyKinds() {
  const std::string rbac = "rbac.authorization.k8s.io";
  Add(Builtin(rbac, "v1", "roles", "role", "Role", true, false));
  Add(Builtin(rbac, "v1", "rolebindings", "rolebinding", "RoleBinding", true, false));
  Add(Builtin(rbac, "v1", "clusterroles", "clusterrole", "ClusterRole", false, false));
  Add(Builtin(rbac, "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, false));
  Add(Builtin("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true,
              true, {"pdb"}));
  Add(Builtin("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, false,
              {"netpol"}));
}

std::string ResourceRegistry::Key(const std::string& group, const std::string& version,
                                  const std::string& plural) {
  return group + "/" + version + "/" + plural;
}

void ResourceRegistry::Add(ResourceType type) {
  if (!type.group.empty() &&
      std::find(group_order_.begin(), group_order_.end(), type.group) == group_order_.end()) {
    group_order_.push_back(type.group);
  }
  types_[Key(type.group, type.version, type.plural)] = std::move(type);
}

std::optional<ResourceType> ResourceRegistry::Find(const std::string& group, const std::string& version,
                                                   const std::string& plural) const {
  std::lock_guard lock(mu_);
  auto it = types_.find(Key(group, version, plural));
  if (it == types_.end()) return std::nullopt;
  return it->second;
}

std::vector<ResourceType> ResourceRegistry::AllServed() const {
  std::lock_guard lock(mu_);
  std::vector<ResourceType> out;
  for (const auto& [key, type] : types_) out.push_back(type);
  return out;
}

std::vector<ResourceType> ResourceRegistry::AllStored() const {
  std::lock_guard lock(mu_);
  std::map<std::string, ResourceType> by_store_key;
  for (const auto& [key, type] : types_) by_store_key.emplace(type.StoreKey(), type);
  std::vector<ResourceType> out;
  for (auto& [key, type] : by_store_key) out.push_back(type);
  return out;
}

std::vector<ResourceType> ResourceRegistry::ServeCrd(const json& crd) {
  const std::string name = crd["metadata"].value("name", "");
  const json& spec = crd.value("spec", json::object());
  auto invalid = [&](const std::string& field, const std::string& why) {
    return Invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, field, why);
  };
  const std::string group = spec.value("group", "");
  const json names = spec.value("names", json::object());
  const std::string plural = names.value("plural", "");
  const std::string kind = names.value("kind", "");
  const std::string scope = spec.value("scope", "");
  if (group.empty() || group.find('.') == std::string::npos) {
    throw invalid("spec.group", "Invalid value: \"" + group + "\": should be a domain with at least one dot");
  }
  if (plural.empty()) throw invalid("spec.names.plural", "Required value");
  if (kind.empty()) throw invalid("spec.names.kind", "Required value");
  if (name != plural + "." + group) {
    throw invalid("metadata.name", "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group");
  }
  if (scope != "Namespaced" && scope != "Cluster") {
    throw invalid("spec.scope", "Unsupported value: \"" + scope + "\": supported values: \"Cluster\", \"Namespaced\"");
  }
  const json versions = spec.value("versions", json::array());
  if (!versions.is_array() || versions.empty()) throw invalid("spec.versions", "Required value");
  int storage_versions = 0;
  for (const auto& version : versions) {
    if (version.value("storage", false)) ++storage_versions;
    if (version.value("name", "").empty()) throw invalid("spec.versions[].name", "Required value");
  }
  if (storage_versions != 1) {
    throw invalid("spec.versions", "Invalid value: must have exactly one version marked as storage version");
  }

  std::vector<ResourceType> served;
  std::lock_guard lock(mu_);
  for (const auto& version : versions) {
    if (!version.value("served", true)) continue;
    ResourceType type;
    type.group = group;
    type.version = version["name"].get<std::string>();
    type.plural = plural;
    type.singular = names.value("singular", "");
    if (type.singular.empty()) {
      type.singular = kind;
      std::transform(type.singular.begin(), type.singular.end(), type.singular.begin(), ::tolower);
    }
    type.kind = kind;
    type.namespaced = scope == "Namespaced";
    type.has_status = version.contains("subresources") && version["subresources"].contains("status");
    type.short_names = StringList(names.value("shortNames", json::array()));
    type.categories = StringList(names.value("categories", json::array()));
    type.crd_name = name;
    type.printer_columns = version.value("additionalPrinterColumns", json::array());
    if (version.contains("schema") && version["schema"].is_object())
      type.schema = version["schema"].value("openAPIV3Schema", json());
    served.push_back(type);
  }
  for (auto& type : served) Add(type);
  return served;
}

void ResourceRegistry::RemoveCrd(const std::string& crd_name) {
  std::lock_guard lock(mu_);
  std::erase_if(types_, [&](const auto& entry) { return entry.second.crd_name == crd_name; });
  std::erase_if(group_order_, [&](const std::string& group) {
    return std::none_of(types_.begin(), types_.end(),
                        [&](const auto& entry) { return entry.second.group == group; });
  });
}

json ResourceRegistry::ApiVersions(const std::string& server_address) const {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs", {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}};
}

json ResourceRegistry::GroupJson(const std::string& group) const {
  json versions = json::array();
  std::vector<std::string> seen;
  for (const auto& [key, type] : types_) {
    if (type.group != group) continue;
    if (std::find(seen.begin(), seen.end(), type.version) != seen.end()) continue;
    seen.push_back(type.version);
    versions.push_back({{"groupVersion", type.ApiVersion()}, {"version", type.version}});
  }
  // The preferred version comes first.
  std::stable_sort(versions.begin(), versions.end(), [](const json& a, const json& b) {
    return VersionPriority(a["version"].get<std::string>()) > VersionPriority(b["version"].get<std::string>());
  });
  return {{"name", group}, {"versions", versions}, {"preferredVersion", versions.at(0)}};
}

json ResourceRegistry::GroupList() const {
  std::lock_guard lock(mu_);
  json groups = json::array();
  for (const auto& group : group_order_) groups.push_back(GroupJson(group));
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> ResourceRegistry::Group(const std::string& group) const {
  std::lock_guard lock(mu_);
  if (std::find(group_order_.begin(), group_order_.end(), group) == group_order_.end()) return std::nullopt;
  json out = GroupJson(group);
  out["kind"] = "APIGroup";
  out["apiVersion"] = "v1";
  return out;
}

std::optional<json> ResourceRegistry::ResourceList(const std::string& group, const std::string& version) const {
  std::lock_guard lock(mu_);
  json resources = json::array();
  std::string group_version;
  for (const auto& [key, type] : types_) {
    if (type.group != group || type.version != version) continue;
    group_version = type.ApiVersion();
    json resource = {{"name", type.plural},         {"singularName", type.singular},
                     {"namespaced", type.namespaced}, {"kind", type.kind},
                     {"verbs", kVerbs}};
    if (!type.short_names.empty()) resource["shortNames"] = type.short_names;
    if (!type.categories.empty()) resource["categories"] = type.categories;
    resources.push_back(resource);
    if (type.has_status) {
      resources.push_back({{"name", type.plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", type.namespaced},
                           {"kind", type.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (group_version.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group_version},
              {"resources", resources}};
}

}  // namespace kubeemu
