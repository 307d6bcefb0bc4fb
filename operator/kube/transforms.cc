#include "kube/transforms.h"

namespace kube {

void TrimObject(Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  meta->erase("managedFields");
  if (auto ann = meta->find("annotations"); ann != meta->end() && ann->is_object()) {
    ann->erase("kubectl.kubernetes.io/last-applied-configuration");
    if (ann->empty()) meta->erase("annotations");
  }
}

namespace {

// Copies the value at `path[i..]` of `from` into `to`, creating parents as needed.
void CopyPath(const Json& from, Json& to, const std::vector<std::string>& path, size_t i) {
  if (i == path.size()) {
    to = from;
    return;
  }
  if (from.is_array()) {
    if (!to.is_array()) to = Json::array();
    for (size_t k = 0; k < from.size(); ++k) {
      if (to.size() <= k) to.push_back(Json::object());
      CopyPath(from[k], to[k], path, i);
    }
    return;
  }
  if (!from.is_object()) return;
  auto it = from.find(path[i]);
  if (it == from.end()) return;
  if (!to.is_object()) to = Json::object();
  CopyPath(*it, to[path[i]], path, i + 1);
}

std::vector<std::string> SplitPath(const std::string& dotted) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t dot; (dot = dotted.find('.', start)) != std::string::npos; start = dot + 1) {
    out.push_back(dotted.substr(start, dot - start));
  }
  out.push_back(dotted.substr(start));
  return out;
}

}  // namespace

Transform KeepOnlyFields(std::vector<std::string> paths) {
  std::vector<std::vector<std::string>> split;
  for (const auto& p : {"apiVersion", "kind", "metadata.name", "metadata.namespace", "metadata.uid",
                        "metadata.resourceVersion"}) {
    split.push_back(SplitPath(p));
  }
  for (const auto& p : paths) split.push_back(SplitPath(p));
  return [split](Json& object) {
    Json kept = Json::object();
    for (const auto& path : split) CopyPath(object, kept, path, 0);
    object = std::move(kept);
  };
}

void TrimPod(Json& pod) {
  static const Transform keep = KeepOnlyFields(
      {"metadata.labels", "metadata.annotations", "metadata.ownerReferences", "metadata.finalizers",
       "metadata.generation", "metadata.creationTimestamp", "metadata.deletionTimestamp",
       "metadata.deletionGracePeriodSeconds", "status.phase", "status.reason", "status.message",
       "status.startTime", "status.containerStatuses.name", "status.containerStatuses.state",
       "status.containerStatuses.lastState", "status.containerStatuses.restartCount",
       // PodScheduled says why a pod is unschedulable (e.g. an unbound workspace claim).
       "status.conditions.type", "status.conditions.status", "status.conditions.reason",
       "status.conditions.message"});
  keep(pod);
  TrimObject(pod);
}

}  // namespace kube
