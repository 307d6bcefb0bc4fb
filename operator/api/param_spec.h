#pragma once
// Typed parameters (JobTemplate and Pipeline params) and their value checks.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/validation.h"

namespace seed::api {

enum class ParamType { kString, kInteger, kNumber, kBoolean };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kString;
  bool required = false;
  std::optional<std::string> default_value;
  std::vector<std::string> enum_values;
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::string description;
};

const char* ParamTypeName(ParamType type);

// Parses `params` lists; every item's errors are recorded under `path`.
std::vector<ParamSpec> ParseParamSpecs(const nlohmann::json& list, const std::string& path,
                                       ValidationErrors* errors);
nlohmann::json ParamSpecToJson(const ParamSpec& spec);

// nullopt when `value` fits the spec, otherwise what is wrong and what is allowed.
std::optional<std::string> CheckParamValue(const ParamSpec& spec, const std::string& value);

}  // namespace seed::api
