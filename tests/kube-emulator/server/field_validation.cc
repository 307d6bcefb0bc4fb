#include "kube-emulator/server/field_validation.h"

namespace kubeemu {
namespace {

void Walk(const json& schema, const json& value, const std::string& path, std::vector<std::string>* unknown) {
  if (!schema.is_object() || schema.value("x-kubernetes-preserve-unknown-fields", false)) return;
  if (value.is_object()) {
    const json properties = schema.value("properties", json::object());
    const json additional = schema.value("additionalProperties", json());
    for (const auto& [key, child] : value.items()) {
      const std::string child_path = path.empty() ? key : path + "." + key;
      if (properties.contains(key)) {
        Walk(properties[key], child, child_path, unknown);
      } else if (additional.is_object()) {
        Walk(additional, child, child_path, unknown);
      } else if (!additional.is_boolean() || !additional.get<bool>()) {
        if (!properties.empty() || additional.is_boolean()) unknown->push_back(child_path);
      }
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      Walk(schema["items"], value[i], path + "[" + std::to_string(i) + "]", unknown);
    }
  }
}

}  // namespace

std::vector<std::string> UnknownFields(const json& schema, const json& object) {
  std::vector<std::string> unknown;
  if (!schema.is_object() || !object.is_object()) return unknown;
  for (const auto& [key, child] : object.items()) {
    if (key == "apiVersion" || key == "kind" || key == "metadata") continue;  // the API server's own
    const json properties = schema.value("properties", json::object());
    if (properties.contains(key)) {
      Walk(properties[key], child, key, &unknown);
    } else if (!schema.value("x-kubernetes-preserve-unknown-fields", false)) {
      unknown.push_back(key);
    }
  }
  return unknown;
}

std::string StrictDecodingMessage(const std::string& kind, const std::string& version,
                                  const std::vector<std::string>& unknown) {
  std::string message =
      kind + " in version \"" + version + "\" cannot be handled as a " + kind + ": strict decoding error: ";
  for (size_t i = 0; i < unknown.size(); ++i)
    message += (i ? ", " : "") + std::string("unknown field \"") + unknown[i] + "\"";
  return message;
}

}  // namespace kubeemu
