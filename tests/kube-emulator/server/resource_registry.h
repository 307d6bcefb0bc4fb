#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;

// One served resource at one version: everything discovery and the handlers need to know about it.
struct ResourceType {
  std::string group;
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  bool has_status = false;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::string crd_name;  // set for resources defined by a CustomResourceDefinition
  nlohmann::json printer_columns;  // the version's additionalPrinterColumns (custom resources)
  nlohmann::json schema;           // the version's openAPIV3Schema (custom resources; null: none)

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  // Objects are stored once per group and resource, whatever version they are read at.
  std::string StoreKey() const { return group + "/" + plural; }
};

// The built-in resources plus those CustomResourceDefinitions add, and the discovery documents for them.
// Thread-safe.
class ResourceRegistry {
 public:
  explicit ResourceRegistry(bool gateway_api);

  std::optional<ResourceType> Find(const std::string& group, const std::string& version,
                                   const std::string& plural) const;
  // Every served type at every version.
  std::vector<ResourceType> AllServed() const;
  // Every type, one per store key (the first served version).
  std::vector<ResourceType> AllStored() const;

  // Parses a CustomResourceDefinition (apiextensions.k8s.io/v1) and serves its versions. Throws
  // ApiError 422 with the offending field when the definition is unusable.
  std::vector<ResourceType> ServeCrd(const json& crd);
  void RemoveCrd(const std::string& crd_name);

  json ApiVersions(const std::string& server_address) const;  // GET /api
  json GroupList() const;                                     // GET /apis
  std::optional<json> Group(const std::string& group) const;  // GET /apis/<group>
  std::optional<json> ResourceList(const std::string& group, const std::string& version) const;

 private:
  static std::string Key(const std::string& group, const std::string& version, const std::string& plural);
  void Add(ResourceType type);
  // What a chart installs beside the operator: RBAC, PodDisruptionBudgets, NetworkPolicies.
  void AddRbacAndPolicyKinds();
  json GroupJson(const std::string& group) const;

  mutable std::mutex mu_;
  std::map<std::string, ResourceType> types_;   // by group/version/plural
  std::vector<std::string> group_order_;        // groups in the order they appeared
};

}  // namespace kubeemu
