#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube-emulator/server/resource_registry.h"

namespace kubeemu {

using json = nlohmann::json;

// A minimal OpenAPI v3 surface: enough for kubectl to learn that every resource accepts the
// fieldValidation query parameter (so it validates on the server instead of needing full schemas).
// Schemas are open objects; `kubectl explain` shows little.
json OpenApiV3Index(const ResourceRegistry& registry);
std::optional<json> OpenApiV3Document(const ResourceRegistry& registry, const std::string& group,
                                      const std::string& version);

}  // namespace kubeemu
