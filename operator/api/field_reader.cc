#include "api/field_reader.h"

#include <cmath>

namespace seed::api {

using nlohmann::json;

std::string TypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number";
    default:
      return "an unsupported value";
  }
}

std::optional<std::string> ScalarText(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number_unsigned()) return std::to_string(value.get<uint64_t>());
  if (value.is_number_float()) return value.dump();
  return std::nullopt;
}

std::optional<std::string> IntOrStringText(const json& value) {
  if (value.is_string() || value.is_number_integer() || value.is_number_unsigned()) return ScalarText(value);
  return std::nullopt;
}

std::optional<std::string> FieldReader::IntOrString(const std::string& key) {
  const json* value = Get(key, false);
  if (!value) return std::nullopt;
  auto text = IntOrStringText(*value);
  if (!text) Error(key, std::string(kQuoteHint) + ", got " + TypeName(*value));
  return text;
}

std::map<std::string, std::string> FieldReader::IntOrStringMap(const std::string& key) {
  std::map<std::string, std::string> result;
  const json* value = Object(key);
  if (!value) return result;
  for (const auto& [name, item] : value->items()) {
    auto text = IntOrStringText(item);
    if (!text) {
      errors_->push_back({PathOf(key) + "." + name, std::string(kQuoteHint) + ", got " + TypeName(item)});
      continue;
    }
    result[name] = *text;
  }
  return result;
}

FieldReader::FieldReader(const json& object, std::string path, ValidationErrors* errors)
    : object_(object), path_(std::move(path)), errors_(errors) {
  if (!object_.is_object()) {
    valid_ = false;
    errors_->push_back({path_, "must be an object, got " + TypeName(object_)});
  }
}

bool FieldReader::Has(const std::string& key) {
  return valid_ && object_.contains(key) && !object_.at(key).is_null();
}

const json* FieldReader::Get(const std::string& key, bool required) {
  seen_.insert(key);
  if (!valid_) return nullptr;
  auto it = object_.find(key);
  if (it == object_.end() || it->is_null()) {
    if (required) errors_->push_back({PathOf(key), "is required"});
    return nullptr;
  }
  return &*it;
}

void FieldReader::Error(const std::string& key, const std::string& message) {
  errors_->push_back({PathOf(key), message});
}

std::optional<std::string> FieldReader::String(const std::string& key, bool required) {
  const json* value = Get(key, required);
  if (!value) return std::nullopt;
  if (!value->is_string()) {
    Error(key, "must be a string, got " + TypeName(*value));
    return std::nullopt;
  }
  std::string text = value->get<std::string>();
  if (required && text.empty()) {
    Error(key, "must not be empty");
    return std::nullopt;
  }
  return text;
}

std::optional<int64_t> FieldReader::Integer(const std::string& key, bool required) {
  const json* value = Get(key, required);
  if (!value) return std::nullopt;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_unsigned()) return static_cast<int64_t>(value->get<uint64_t>());
  if (value->is_number_float()) {
    double number = value->get<double>();
    if (std::floor(number) == number && std::fabs(number) < 9e15) return static_cast<int64_t>(number);
  }
  Error(key, "must be an integer, got " + TypeName(*value) +
                 (value->is_string() ? " (write it without quotes)" : ""));
  return std::nullopt;
}

std::optional<double> FieldReader::Number(const std::string& key) {
  const json* value = Get(key, false);
  if (!value) return std::nullopt;
  if (value->is_number()) return value->get<double>();
  Error(key, "must be a number, got " + TypeName(*value));
  return std::nullopt;
}

std::optional<bool> FieldReader::Bool(const std::string& key) {
  const json* value = Get(key, false);
  if (!value) return std::nullopt;
  if (value->is_boolean()) return value->get<bool>();
  Error(key, "must be true or false, got " + TypeName(*value));
  return std::nullopt;
}

std::optional<std::string> FieldReader::Scalar(const std::string& key, bool required) {
  const json* value = Get(key, required);
  if (!value) return std::nullopt;
  auto text = ScalarText(*value);
  if (!text) Error(key, "must be a string, number or boolean, got " + TypeName(*value));
  return text;
}

std::vector<std::string> FieldReader::StringList(const std::string& key) {
  std::vector<std::string> result;
  const json* value = Array(key);
  if (!value) return result;
  for (size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if (!item.is_string()) {
      errors_->push_back({IndexPath(PathOf(key), i), "must be a string, got " + TypeName(item)});
      continue;
    }
    result.push_back(item.get<std::string>());
  }
  return result;
}

std::map<std::string, std::string> FieldReader::StringMap(const std::string& key) {
  std::map<std::string, std::string> result;
  const json* value = Object(key);
  if (!value) return result;
  for (const auto& [name, item] : value->items()) {
    auto text = ScalarText(item);
    if (!text) {
      errors_->push_back(
          {PathOf(key) + "." + name, "must be a string, number or boolean, got " + TypeName(item)});
      continue;
    }
    result[name] = *text;
  }
  return result;
}

const json* FieldReader::Object(const std::string& key, bool required) {
  const json* value = Get(key, required);
  if (!value) return nullptr;
  if (!value->is_object()) {
    Error(key, "must be an object, got " + TypeName(*value));
    return nullptr;
  }
  return value;
}

const json* FieldReader::Array(const std::string& key, bool required) {
  const json* value = Get(key, required);
  if (!value) return nullptr;
  if (!value->is_array()) {
    Error(key, "must be a list, got " + TypeName(*value));
    return nullptr;
  }
  return value;
}

const json* FieldReader::Raw(const std::string& key) { return Get(key, false); }

void FieldReader::Finish() {
  if (!valid_) return;
  for (const auto& [key, value] : object_.items()) {
    if (!seen_.count(key)) {
      std::string known;
      for (const auto& name : seen_) known += (known.empty() ? "" : ", ") + name;
      errors_->push_back({PathOf(key), "unknown field; known fields here: " + known});
    }
  }
}

}  // namespace seed::api
