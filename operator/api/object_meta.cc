#include "api/object_meta.h"

#include "api/field_reader.h"

namespace seed::api {

using nlohmann::json;

void CheckTypeMeta(const json& object, const std::string& kind, ValidationErrors* errors) {
  if (!object.is_object()) return;
  auto text = [&](const char* key) -> std::string {
    auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
  };
  std::string api_version = text("apiVersion");
  if (api_version != kApiVersion) {
    errors->push_back(
        {"apiVersion", "must be " + std::string(kApiVersion) + ", got \"" + api_version + "\""});
  }
  std::string actual = text("kind");
  if (actual != kind) errors->push_back({"kind", "must be " + kind + ", got \"" + actual + "\""});
}

const json* ParseObjectHead(const json& object, const std::string& kind, size_t max_name_length,
                            ObjectMeta* metadata, ValidationErrors* errors) {
  CheckTypeMeta(object, kind, errors);
  *metadata = ParseObjectMeta(object, max_name_length, errors);
  if (!object.is_object() || !object.contains("spec")) {
    errors->push_back({"spec", "is required"});
    return nullptr;
  }
  return &object["spec"];
}

ObjectMeta ParseObjectMeta(const json& object, size_t max_name_length, ValidationErrors* errors) {
  ObjectMeta meta;
  if (!object.is_object() || !object.contains("metadata")) {
    errors->push_back({"metadata.name", "is required"});
    return meta;
  }
  const json& metadata = object["metadata"];
  ValidationErrors local;
  FieldReader reader(metadata, "metadata", &local);
  meta.name = reader.String("name", true).value_or("");
  if (!meta.name.empty() && !IsDnsLabel(meta.name, max_name_length)) {
    local.push_back({"metadata.name", "\"" + meta.name + "\" is not a valid name: use at most " +
                                          std::to_string(max_name_length) +
                                          " lower-case letters, digits and '-', starting and ending with a "
                                          "letter or digit"});
  }
  meta.namespace_ = reader.String("namespace").value_or("");
  meta.uid = reader.String("uid").value_or("");
  meta.generation = reader.Integer("generation").value_or(0);
  if (auto created = reader.String("creationTimestamp")) meta.creation_timestamp = ParseRfc3339(*created);
  meta.labels = reader.StringMap("labels");
  meta.annotations = reader.StringMap("annotations");
  // Everything else in metadata belongs to the API server; it is neither checked nor an error.
  errors->insert(errors->end(), local.begin(), local.end());
  return meta;
}

json ObjectMetaToJson(const ObjectMeta& meta) {
  json out = {{"name", meta.name}};
  if (!meta.namespace_.empty()) out["namespace"] = meta.namespace_;
  if (!meta.uid.empty()) out["uid"] = meta.uid;
  if (!meta.labels.empty()) out["labels"] = meta.labels;
  if (!meta.annotations.empty()) out["annotations"] = meta.annotations;
  return out;
}

json ConditionToJson(const Condition& condition) {
  json out = {{"type", condition.type},
              {"status", condition.status},
              {"reason", condition.reason},
              {"message", condition.message}};
  if (condition.last_transition_time)
    out["lastTransitionTime"] = FormatRfc3339(*condition.last_transition_time);
  if (condition.observed_generation) out["observedGeneration"] = condition.observed_generation;
  return out;
}

Condition ConditionFromJson(const json& value) {
  Condition condition;
  condition.type = value.value("type", "");
  condition.status = value.value("status", "");
  condition.reason = value.value("reason", "");
  condition.message = value.value("message", "");
  if (value.contains("lastTransitionTime") && value["lastTransitionTime"].is_string()) {
    condition.last_transition_time = ParseRfc3339(value["lastTransitionTime"].get<std::string>());
  }
  condition.observed_generation = value.value("observedGeneration", int64_t{0});
  return condition;
}

void SetCondition(std::vector<Condition>* conditions, Condition condition) {
  for (auto& existing : *conditions) {
    if (existing.type != condition.type) continue;
    if (existing.status == condition.status && existing.last_transition_time) {
      condition.last_transition_time = existing.last_transition_time;
    }
    existing = std::move(condition);
    return;
  }
  conditions->push_back(std::move(condition));
}

}  // namespace seed::api
