#include "kube-emulator/server/patch.h"

#include <cctype>
#include <regex>

#include <yaml-cpp/yaml.h>

#include "kube-emulator/server/api_error.h"

namespace kubeemu {
namespace {

json WithoutDirectives(const json& patch) {
  if (!patch.is_object()) return patch;
  json out = json::object();
  for (const auto& [key, value] : patch.items()) {
    if (!key.empty() && key[0] == '$') continue;
    out[key] = WithoutDirectives(value);
  }
  return out;
}

json YamlScalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return text;  // quoted: a string
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty()) return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (std::regex_match(text, kInt)) {
    try {
      return std::stoll(text);
    } catch (const std::out_of_range&) {
      return text;
    }
  }
  if (std::regex_match(text, kFloat)) return std::stod(text);
  return text;
}

json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& entry : node) out[entry.first.as<std::string>()] = YamlToJson(entry.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(YamlToJson(item));
      return out;
    }
    case YAML::NodeType::Scalar:
      return YamlScalar(node);
    default:
      return nullptr;
  }
}

}  // namespace

json ApplyMergePatch(json target, const json& patch) {
  target.merge_patch(patch);
  return target;
}

json ApplyJsonPatch(const json& target, const json& patch) {
  if (!patch.is_array()) throw BadRequest("a JSON patch must be an array of operations");
  try {
    return target.patch(patch);
  } catch (const json::out_of_range& e) {
    throw ApiError(422, "Invalid", std::string("the JSON patch could not be applied: ") + e.what());
  } catch (const json::other_error& e) {  // a failed `test`
    throw ApiError(422, "Invalid", std::string("the JSON patch could not be applied: ") + e.what());
  } catch (const json::exception& e) {
    throw BadRequest(std::string("invalid JSON patch: ") + e.what());
  }
}

json ApplyStrategicMergePatch(json target, const json& patch) {
  target.merge_patch(WithoutDirectives(patch));
  return target;
}

json ParseYamlDocument(const std::string& text) {
  try {
    return YamlToJson(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    throw BadRequest("invalid YAML body at line " + std::to_string(e.mark.line + 1) + ", column " +
                     std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

}  // namespace kubeemu
