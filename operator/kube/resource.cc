#include "kube/resource.h"

namespace kube {

GroupVersionResource LeasesResource() { return {"coordination.k8s.io", "v1", "leases", true, "Lease"}; }
GroupVersionResource EventsResource() { return {"events.k8s.io", "v1", "events", true, "Event"}; }
GroupVersionResource ConfigMapsResource() { return {"", "v1", "configmaps", true, "ConfigMap"}; }
GroupVersionResource PodsResource() { return {"", "v1", "pods", true, "Pod"}; }

std::string MakeKey(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

std::string ObjectKey(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  return MakeKey(meta->value("namespace", ""), meta->value("name", ""));
}

std::pair<std::string, std::string> SplitKey(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos) return {"", key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

std::string UrlEncode(const std::string& value) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace kube
