#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace kubeemu {

using json = nlohmann::json;

// RFC 7386 JSON merge patch (application/merge-patch+json).
json ApplyMergePatch(json target, const json& patch);

// RFC 6902 JSON patch (application/json-patch+json), including `test`. Throws ApiError: 400 for a
// malformed patch, 422 when an operation fails (a failed `test`, a missing path).
json ApplyJsonPatch(const json& target, const json& patch);

// application/strategic-merge-patch+json, approximated as a merge patch: the `$patch`, `$retainKeys`,
// `$setElementOrder/...` and `$deleteFromPrimitiveList/...` directives are dropped and lists are replaced
// whole. This is what kubectl's `label`, `annotate`, `patch` and client-side `apply` need on the kinds
// the operator uses.
json ApplyStrategicMergePatch(json target, const json& patch);

// Parses a YAML (or JSON, which is YAML) document into JSON, with YAML 1.2 core-schema scalars.
// Throws ApiError 400 naming the line and column on bad input.
json ParseYamlDocument(const std::string& text);

}  // namespace kubeemu
