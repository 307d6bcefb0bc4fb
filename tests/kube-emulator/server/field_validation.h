#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kubeemu {

using json = nlohmann::json;

// The fields of `object` its structural schema (a CRD version's openAPIV3Schema) does not declare,
// as the API server names them ("spec.tasks[0].dependOn"); none under
// x-kubernetes-preserve-unknown-fields. Pure.
std::vector<std::string> UnknownFields(const json& schema, const json& object);

// The message of the 400 the API server answers a write with fieldValidation=Strict (kubectl's
// default) that has unknown fields: `<Kind> in version "<v>" cannot be handled as a <Kind>: strict
// decoding error: unknown field "spec.x", unknown field "spec.y"`.
std::string StrictDecodingMessage(const std::string& kind, const std::string& version,
                                  const std::vector<std::string>& unknown);

}  // namespace kubeemu
