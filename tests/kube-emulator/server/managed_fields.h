#pragma once

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;

// Field ownership for server-side apply, "close enough for an operator": each manager owns a set of leaf
// paths (maps are walked, lists and scalars are leaves), kept in metadata.managedFields in the
// Kubernetes FieldsV1 shape ({"f:spec":{"f:replicas":{}}}).
using FieldPath = std::vector<std::string>;
using FieldSet = std::set<FieldPath>;

// The leaf paths an object sets, leaving out identity and server-owned metadata.
FieldSet LeafPaths(const json& object);

struct ApplyRequest {
  std::string manager;
  bool force = false;
  std::string subresource;  // "" or "status"
  std::string api_version;
  std::string now;  // RFC 3339
};

// Server-side apply of `applied` (already limited to what the subresource may change) onto `existing`
// (null when absent). Returns the merged object with updated managedFields. Throws ApiError 409 reason
// Conflict listing the conflicting fields unless `force`.
json ServerSideApply(const json& existing, const json& applied, const ApplyRequest& request,
                     const std::string& group, const std::string& plural);

// Records a non-apply write (create, update, patch) by `manager`: the fields it changed become its own and
// leave every other manager.
void RecordUpdate(const json& before, json& after, const ApplyRequest& request);

}  // namespace kubeemu
