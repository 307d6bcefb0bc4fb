#include "api/param_spec.h"

#include <cstdlib>
#include <regex>
#include <set>

#include "api/field_reader.h"

namespace seed::api {

using nlohmann::json;

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "string";
    case ParamType::kInteger:
      return "integer";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBoolean:
      return "boolean";
  }
  return "string";
}

namespace {

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

std::string FormatNumber(double value) {
  json number = value;
  std::string text = number.dump();
  if (text.size() > 2 && text.substr(text.size() - 2) == ".0") text.resize(text.size() - 2);
  return text;
}

}  // namespace

std::optional<std::string> CheckParamValue(const ParamSpec& spec, const std::string& value) {
  static const std::regex kInteger("[-+]?[0-9]+");
  static const std::regex kNumber("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  std::optional<double> number;
  switch (spec.type) {
    case ParamType::kInteger:
      if (!std::regex_match(value, kInteger)) return Quote(value) + " is not an integer";
      number = std::strtod(value.c_str(), nullptr);
      break;
    case ParamType::kNumber:
      if (!std::regex_match(value, kNumber)) return Quote(value) + " is not a number";
      number = std::strtod(value.c_str(), nullptr);
      break;
    case ParamType::kBoolean:
      if (value != "true" && value != "false") return Quote(value) + " is not a boolean: use true or false";
      break;
    case ParamType::kString:
      break;
  }
  if (number && spec.minimum && *number < *spec.minimum) {
    return Quote(value) + " is below the minimum " + FormatNumber(*spec.minimum);
  }
  if (number && spec.maximum && *number > *spec.maximum) {
    return Quote(value) + " is above the maximum " + FormatNumber(*spec.maximum);
  }
  if (!spec.enum_values.empty()) {
    bool found = false;
    std::string allowed;
    for (const auto& option : spec.enum_values) {
      found = found || option == value;
      allowed += (allowed.empty() ? "" : ", ") + option;
    }
    if (!found) return Quote(value) + " is not one of the allowed values: " + allowed;
  }
  return std::nullopt;
}

std::vector<ParamSpec> ParseParamSpecs(const json& list, const std::string& path, ValidationErrors* errors) {
  std::vector<ParamSpec> specs;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string item_path = IndexPath(path, i);
    FieldReader reader(list[i], item_path, errors);
    ParamSpec spec;
    spec.name = reader.String("name", true).value_or("");
    if (!spec.name.empty() && !IsParamName(spec.name)) {
      reader.Error("name", Quote(spec.name) +
                               " is not a valid param name: use letters, digits, '_' and '-', "
                               "starting with a letter or '_'");
    }
    if (!spec.name.empty() && !names.insert(spec.name).second) {
      reader.Error("name", "duplicate param " + Quote(spec.name));
    }
    std::string type = reader.String("type").value_or("string");
    if (type == "string")
      spec.type = ParamType::kString;
    else if (type == "integer")
      spec.type = ParamType::kInteger;
    else if (type == "number")
      spec.type = ParamType::kNumber;
    else if (type == "boolean")
      spec.type = ParamType::kBoolean;
    else
      reader.Error("type", Quote(type) + " is not a param type: use string, integer, number or boolean");
    spec.required = reader.Bool("required").value_or(false);
    spec.default_value = reader.IntOrString("default");
    spec.description = reader.String("description").value_or("");
    spec.minimum = reader.Number("minimum");
    spec.maximum = reader.Number("maximum");
    if (const json* options = reader.Array("enum")) {
      for (size_t k = 0; k < options->size(); ++k) {
        auto text = IntOrStringText((*options)[k]);
        if (!text) {
          errors->push_back({IndexPath(reader.PathOf("enum"), k), kQuoteHint});
          continue;
        }
        spec.enum_values.push_back(*text);
      }
    }
    reader.Finish();
    if ((spec.minimum || spec.maximum) && spec.type != ParamType::kInteger &&
        spec.type != ParamType::kNumber) {
      errors->push_back({item_path, "minimum and maximum need type integer or number, not " +
                                        std::string(ParamTypeName(spec.type))});
    }
    if (spec.minimum && spec.maximum && *spec.minimum > *spec.maximum) {
      errors->push_back({JoinPath(item_path, "minimum"), "is greater than maximum"});
    }
    if (spec.required && spec.default_value) {
      errors->push_back(
          {JoinPath(item_path, "default"), "a required param cannot have a default; drop one of them"});
    }
    if (spec.default_value) {
      // A default that is itself an expression is checked where it is substituted.
      if (spec.default_value->find("{{") == std::string::npos) {
        if (auto problem = CheckParamValue(spec, *spec.default_value)) {
          errors->push_back({JoinPath(item_path, "default"), *problem});
        }
      }
    }
    for (size_t k = 0; k < spec.enum_values.size(); ++k) {
      ParamSpec plain = spec;
      plain.enum_values.clear();
      if (auto problem = CheckParamValue(plain, spec.enum_values[k])) {
        errors->push_back({IndexPath(JoinPath(item_path, "enum"), k), *problem});
      }
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

json ParamSpecToJson(const ParamSpec& spec) {
  json out = {{"name", spec.name}, {"type", ParamTypeName(spec.type)}};
  if (spec.required) out["required"] = true;
  if (spec.default_value) out["default"] = *spec.default_value;
  if (!spec.enum_values.empty()) out["enum"] = spec.enum_values;
  if (spec.minimum) out["minimum"] = *spec.minimum;
  if (spec.maximum) out["maximum"] = *spec.maximum;
  if (!spec.description.empty()) out["description"] = spec.description;
  return out;
}

}  // namespace seed::api
