#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace kube {

using Json = nlohmann::json;
// Objects handed out by caches are shared and immutable: copy before changing.
using ObjectPtr = std::shared_ptr<const Json>;

// Names a REST resource: group ("" for the core group), version, plural, and whether it is namespaced.
struct GroupVersionResource {
  std::string group;
  std::string version;
  std::string resource;  // plural, e.g. "pods"
  bool namespaced = true;
  std::string kind;  // e.g. "Pod" (used for ownerReference matching and events)

  std::string ApiVersion() const { return group.empty() ? version : group + "/" + version; }
  std::string ToString() const { return resource + (group.empty() ? "" : "." + group) + "/" + version; }
  bool operator==(const GroupVersionResource& o) const {
    return group == o.group && version == o.version && resource == o.resource;
  }
};

// Well-known resources used by the runtime itself.
GroupVersionResource LeasesResource();
GroupVersionResource EventsResource();
GroupVersionResource ConfigMapsResource();
GroupVersionResource PodsResource();

// "namespace/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc).
std::string ObjectKey(const Json& object);
std::string MakeKey(const std::string& ns, const std::string& name);
// Splits a key into namespace and name.
std::pair<std::string, std::string> SplitKey(const std::string& key);

// Percent-encodes a query value.
std::string UrlEncode(const std::string& value);

}  // namespace kube
