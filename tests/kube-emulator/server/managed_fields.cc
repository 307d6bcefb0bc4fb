#include "kube-emulator/server/managed_fields.h"

#include <algorithm>

#include "kube-emulator/server/api_error.h"

namespace kubeemu {
namespace {

const std::set<std::string> kIgnoredMetadata = {"name",         "namespace",         "uid",
                                                "resourceVersion", "generation",     "creationTimestamp",
                                                "managedFields", "deletionTimestamp", "selfLink",
                                                "generateName", "deletionGracePeriodSeconds"};

void CollectLeaves(const json& value, FieldPath& path, FieldSet& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, child] : value.items()) {
      if (path.size() == 1 && path[0] == "metadata" && kIgnoredMetadata.count(key)) continue;
      path.push_back(key);
      CollectLeaves(child, path, out);
      path.pop_back();
    }
  } else if (!path.empty()) {
    out.insert(path);
  }
}

const json* At(const json& object, const FieldPath& path) {
  const json* node = &object;
  for (const auto& part : path) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

void SetAt(json& object, const FieldPath& path, const json& value) {
  json* node = &object;
  for (const auto& part : path) {
    if (!node->is_object()) *node = json::object();
    node = &(*node)[part];
  }
  *node = value;
}

// Removes the leaf and then any parent map it leaves empty (below the top level).
void EraseAt(json& object, const FieldPath& path) {
  std::vector<json*> chain{&object};
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    json* node = chain.back();
    if (!node->is_object() || !node->contains(path[i])) return;
    chain.push_back(&(*node)[path[i]]);
  }
  if (!chain.back()->is_object()) return;
  chain.back()->erase(path.back());
  for (size_t i = chain.size() - 1; i >= 2; --i) {
    if (!chain[i]->empty()) break;
    chain[i - 1]->erase(path[i - 1]);
  }
}

bool Overlaps(const FieldPath& a, const FieldPath& b) {
  size_t n = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + static_cast<long>(n), b.begin());
}

std::string Dotted(const FieldPath& path) {
  std::string out;
  for (const auto& part : path) out += "." + part;
  return out;
}

json ToFieldsV1(const FieldSet& fields) {
  json out = json::object();
  for (const auto& path : fields) {
    json* node = &out;
    for (const auto& part : path) node = &(*node)["f:" + part];
    if (node->is_null()) *node = json::object();
  }
  return out;
}

void FromFieldsV1(const json& fields, FieldPath& path, FieldSet& out) {
  if (!fields.is_object() || fields.empty()) {
    if (!path.empty()) out.insert(path);
    return;
  }
  for (const auto& [key, child] : fields.items()) {
    if (key.rfind("f:", 0) != 0) continue;
    path.push_back(key.substr(2));
    FromFieldsV1(child, path, out);
    path.pop_back();
  }
}

struct Manager {
  std::string name;
  std::string operation;  // Apply or Update
  std::string subresource;
  std::string api_version;
  std::string time;
  FieldSet fields;
};

std::vector<Manager> ReadManagers(const json& object) {
  std::vector<Manager> managers;
  const json* entries = At(object, {"metadata", "managedFields"});
  if (entries == nullptr || !entries->is_array()) return managers;
  for (const auto& entry : *entries) {
    Manager manager{entry.value("manager", ""), entry.value("operation", "Update"), entry.value("subresource", ""),
                    entry.value("apiVersion", ""), entry.value("time", ""), {}};
    FieldPath path;
    FromFieldsV1(entry.value("fieldsV1", json::object()), path, manager.fields);
    managers.push_back(std::move(manager));
  }
  return managers;
}

void WriteManagers(json& object, const std::vector<Manager>& managers) {
  json entries = json::array();
  for (const auto& manager : managers) {
    if (manager.fields.empty()) continue;
    // Member by member: a braced initializer list copies each value (and the fieldsV1 tree) again.
    json entry = json::object();
    entry["manager"] = manager.name;
    entry["operation"] = manager.operation;
    entry["apiVersion"] = manager.api_version;
    entry["time"] = manager.time;
    entry["fieldsType"] = "FieldsV1";
    entry["fieldsV1"] = ToFieldsV1(manager.fields);
    if (!manager.subresource.empty()) entry["subresource"] = manager.subresource;
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) {
    object["metadata"].erase("managedFields");
  } else {
    object["metadata"]["managedFields"] = std::move(entries);
  }
}

Manager& FindOrAdd(std::vector<Manager>& managers, const ApplyRequest& request, const std::string& operation) {
  for (auto& manager : managers) {
    if (manager.name == request.manager && manager.operation == operation &&
        manager.subresource == request.subresource) {
      return manager;
    }
  }
  managers.push_back({request.manager, operation, request.subresource, request.api_version, request.now, {}});
  return managers.back();
}

}  // namespace

FieldSet LeafPaths(const json& object) {
  FieldSet out;
  FieldPath path;
  for (const auto& [key, value] : object.items()) {
    if (key == "apiVersion" || key == "kind") continue;
    path.push_back(key);
    CollectLeaves(value, path, out);
    path.pop_back();
  }
  return out;
}

json ServerSideApply(const json& existing, const json& applied, const ApplyRequest& request,
                     const std::string& group, const std::string& plural) {
  json result = existing.is_null() ? json::object() : existing;
  std::vector<Manager> managers = ReadManagers(result);
  const FieldSet applied_fields = LeafPaths(applied);

  // Conflicts: a field another manager owns and this apply would change.
  std::vector<std::string> conflicts;
  for (auto& other : managers) {
    if (other.name == request.manager) continue;  // a manager never conflicts with itself
    for (auto it = other.fields.begin(); it != other.fields.end();) {
      bool conflict = false;
      for (const auto& path : applied_fields) {
        if (!Overlaps(path, *it)) continue;
        const json* current = At(result, path);
        const json* wanted = At(applied, path);
        if (current != nullptr && wanted != nullptr && *current != *wanted) conflict = true;
      }
      if (conflict && request.force) {
        it = other.fields.erase(it);
        continue;
      }
      if (conflict) conflicts.push_back("conflict with \"" + other.name + "\": " + Dotted(*it));
      ++it;
    }
  }
  if (!conflicts.empty()) {
    std::string message = "Apply failed with " + std::to_string(conflicts.size()) + " conflict" +
                          (conflicts.size() == 1 ? "" : "s") + ": ";
    for (size_t i = 0; i < conflicts.size(); ++i) message += (i ? "; " : "") + conflicts[i];
    ApiError error(409, "Conflict", message);
    error.WithDetails(applied["metadata"].value("name", ""), group, plural);
    for (const auto& conflict : conflicts) error.WithCause("FieldManagerConflict", conflict, "");
    throw error;
  }

  // Fields this manager applied before and no longer applies go away unless someone else owns them.
  Manager& self = FindOrAdd(managers, request, "Apply");
  for (const auto& path : self.fields) {
    if (applied_fields.count(path)) continue;
    bool owned_elsewhere = std::any_of(managers.begin(), managers.end(), [&](const Manager& m) {
      return &m != &self && std::any_of(m.fields.begin(), m.fields.end(),
                                        [&](const FieldPath& other) { return Overlaps(other, path); });
    });
    if (!owned_elsewhere) EraseAt(result, path);
  }
  for (const auto& path : applied_fields) SetAt(result, path, *At(applied, path));
  for (const char* key : {"apiVersion", "kind"}) {
    if (applied.contains(key)) result[key] = applied[key];
  }
  self.fields = applied_fields;
  self.time = request.now;
  self.api_version = request.api_version;
  WriteManagers(result, managers);
  return result;
}

void RecordUpdate(const json& before, json& after, const ApplyRequest& request) {
  std::vector<Manager> managers = ReadManagers(before.is_null() ? after : before);
  FieldSet changed;
  for (const auto& path : LeafPaths(after)) {
    const json* old_value = before.is_null() ? nullptr : At(before, path);
    if (old_value == nullptr || *old_value != *At(after, path)) changed.insert(path);
  }
  FieldSet removed;
  if (!before.is_null()) {
    for (const auto& path : LeafPaths(before)) {
      if (At(after, path) == nullptr) removed.insert(path);
    }
  }
  if (changed.empty() && removed.empty() && !managers.empty()) {
    WriteManagers(after, managers);
    return;
  }
  for (auto& manager : managers) {
    std::erase_if(manager.fields, [&](const FieldPath& path) {
      return std::any_of(changed.begin(), changed.end(), [&](const FieldPath& c) { return Overlaps(c, path); }) ||
             removed.count(path);
    });
  }
  if (!changed.empty()) {
    Manager& self = FindOrAdd(managers, request, "Update");
    self.fields.insert(changed.begin(), changed.end());
    self.time = request.now;
  }
  WriteManagers(after, managers);
}

}  // namespace kubeemu
