#pragma once
// metav1.ObjectMeta and metav1.Condition: the parts Seed reads and writes.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/time_format.h"
#include "api/validation.h"

namespace seed::api {

inline constexpr char kGroup[] = "seed.dev";
inline constexpr char kApiVersion[] = "seed.dev/v1alpha1";

struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::string uid;
  int64_t generation = 0;
  std::optional<Seconds> creation_timestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// Reads metadata from a whole object; `max_name_length` is the kind's name limit.
ObjectMeta ParseObjectMeta(const nlohmann::json& object, size_t max_name_length, ValidationErrors* errors);
nlohmann::json ObjectMetaToJson(const ObjectMeta& meta);

// Checks apiVersion and kind; records an error naming the expected values.
void CheckTypeMeta(const nlohmann::json& object, const std::string& kind, ValidationErrors* errors);

// The common head of every kind's parser: checks the type, reads the metadata into *metadata and
// returns the spec, or null (with an error) when the object has none.
const nlohmann::json* ParseObjectHead(const nlohmann::json& object, const std::string& kind,
                                      size_t max_name_length, ObjectMeta* metadata, ValidationErrors* errors);

struct Condition {
  std::string type;
  std::string status;  // True | False | Unknown
  std::string reason;
  std::string message;
  std::optional<Seconds> last_transition_time;
  int64_t observed_generation = 0;
};

nlohmann::json ConditionToJson(const Condition& condition);
Condition ConditionFromJson(const nlohmann::json& value);
// Replaces the condition of the same type, keeping lastTransitionTime when the status is unchanged.
void SetCondition(std::vector<Condition>* conditions, Condition condition);

}  // namespace seed::api
