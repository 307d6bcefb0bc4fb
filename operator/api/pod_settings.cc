#include "api/pod_settings.h"

namespace seed::api {

using nlohmann::json;

namespace {

std::string ReadName(FieldReader& reader, const char* key, const char* what) {
  std::string value = reader.String(key).value_or("");
  if (reader.Has(key) && !IsDnsSubdomain(value)) {
    reader.Error(key, std::string("\"") + value + "\" is not a valid " + what +
                          " name: lower-case letters, digits, '-' and '.', at most 253 characters");
  }
  return value;
}

json MergeObjects(const json& base, const json& over) {
  if (!over.is_object()) return base;
  if (!base.is_object()) return over;
  json merged = base;
  merged.update(over);
  return merged;
}

}  // namespace

PodSettings ReadPodSettings(FieldReader& reader, ValidationErrors* errors) {
  PodSettings settings;
  if (const json* secrets = reader.Array("imagePullSecrets")) {
    for (size_t i = 0; i < secrets->size(); ++i) {
      const json& item = (*secrets)[i];
      const std::string item_path = IndexPath(reader.PathOf("imagePullSecrets"), i);
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || item.size() != 1) {
        errors->push_back(
            {item_path, "must be {name: SECRET}, a docker-registry Secret in the run's namespace"});
        continue;
      }
      if (!IsDnsSubdomain(item["name"].get<std::string>())) {
        errors->push_back(
            {item_path + ".name", "\"" + item["name"].get<std::string>() +
                                      "\" is not a valid Secret name: lower-case letters, digits, "
                                      "'-' and '.'"});
        continue;
      }
      settings.image_pull_secrets.push_back(item);
    }
  }
  settings.priority_class_name = ReadName(reader, "priorityClassName", "PriorityClass");
  settings.service_account_name = ReadName(reader, "serviceAccountName", "ServiceAccount");
  settings.automount_service_account_token = reader.Bool("automountServiceAccountToken");
  if (const json* affinity = reader.Object("affinity")) settings.affinity = *affinity;
  if (const json* pod = reader.Object("podSecurityContext")) settings.pod_security_context = *pod;
  if (const json* container = reader.Object("securityContext")) settings.security_context = *container;
  return settings;
}

PodSettings MergePodSettings(const PodSettings& base, const PodSettings& over) {
  PodSettings merged = base;
  for (const auto& secret : over.image_pull_secrets) {
    bool present = false;
    for (const auto& have : merged.image_pull_secrets) present = present || have == secret;
    if (!present) merged.image_pull_secrets.push_back(secret);
  }
  if (!over.priority_class_name.empty()) merged.priority_class_name = over.priority_class_name;
  if (!over.service_account_name.empty()) merged.service_account_name = over.service_account_name;
  if (over.automount_service_account_token)
    merged.automount_service_account_token = over.automount_service_account_token;
  if (over.affinity.is_object()) merged.affinity = over.affinity;
  merged.pod_security_context = MergeObjects(base.pod_security_context, over.pod_security_context);
  merged.security_context = MergeObjects(base.security_context, over.security_context);
  return merged;
}

}  // namespace seed::api
