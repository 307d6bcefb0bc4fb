#include "api/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <regex>
#include <sstream>

namespace seed::api {
namespace {

using nlohmann::json;

json PlainScalar(const std::string& text) {
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kTrue("true|True|TRUE");
  static const std::regex kFalse("false|False|FALSE");
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, kNull)) return nullptr;
  if (std::regex_match(text, kTrue)) return true;
  if (std::regex_match(text, kFalse)) return false;
  try {
    if (std::regex_match(text, kInt)) return std::stoll(text);
    if (std::regex_match(text, kFloat)) return std::stod(text);
  } catch (const std::out_of_range&) {
    return text;  // too large for a number: keep the text
  }
  return text;
}

json Convert(const YAML::Node& node, const std::string& path, std::map<std::string, int>* lines) {
  if (!path.empty()) lines->emplace(path, node.Mark().line + 1);
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
      return PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        array.push_back(Convert(node[i], path + "[" + std::to_string(i) + "]", lines));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) {
        std::string key = entry.first.Scalar();
        object[key] = Convert(entry.second, path.empty() ? key : path + "." + key, lines);
      }
      return object;
    }
  }
  return nullptr;
}

bool NeedsQuotes(const std::string& text) {
  if (text.empty()) return true;
  if (!PlainScalar(text).is_string()) return true;  // would read back as null, bool or number
  // Leading digits could read as a YAML 1.1 timestamp, octal or sexagesimal number elsewhere.
  if (std::isdigit(static_cast<unsigned char>(text[0]))) return true;
  static const std::regex kYaml11Bool("y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF");
  if (std::regex_match(text, kYaml11Bool)) return true;
  static const std::regex kSafe("[A-Za-z0-9_./][A-Za-z0-9_./:@+=, ()-]*");
  if (!std::regex_match(text, kSafe)) return true;
  return text.find(": ") != std::string::npos || text.back() == ':' || text.back() == ' ';
}

void EmitScalar(YAML::Emitter& out, const json& value) {
  if (value.is_null()) {
    out << YAML::Null;
  } else if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (NeedsQuotes(text)) out << YAML::DoubleQuoted;
    out << text;
  } else {
    out << value.dump();
  }
}

void Emit(YAML::Emitter& out, const json& value) {
  if (value.is_object()) {
    if (value.empty()) {
      out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
      return;
    }
    out << YAML::BeginMap;
    for (const auto& [key, item] : value.items()) {
      out << YAML::Key;
      EmitScalar(out, key);
      out << YAML::Value;
      Emit(out, item);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    if (value.empty()) {
      out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
      return;
    }
    out << YAML::BeginSeq;
    for (const auto& item : value) Emit(out, item);
    out << YAML::EndSeq;
  } else {
    EmitScalar(out, value);
  }
}

}  // namespace

std::vector<YamlDocument> ParseYamlDocuments(std::string_view text) {
  std::vector<YamlDocument> documents;
  try {
    for (const YAML::Node& node : YAML::LoadAll(std::string(text))) {
      if (node.IsNull()) continue;
      YamlDocument document;
      document.line = node.Mark().line + 1;
      document.value = Convert(node, "", &document.lines);
      documents.push_back(std::move(document));
    }
  } catch (const YAML::Exception& error) {
    throw YamlSyntaxError(error.mark.line + 1, error.mark.column + 1, error.msg);
  }
  return documents;
}

std::string JsonToYaml(const json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  Emit(out, value);
  return std::string(out.c_str()) + "\n";
}

int LineOf(const YamlDocument& document, const std::string& path) {
  std::string current = path;
  while (!current.empty()) {
    auto it = document.lines.find(current);
    if (it != document.lines.end()) return it->second;
    size_t cut = current.find_last_of(".[");
    if (cut == std::string::npos) break;
    current.resize(cut);
  }
  return document.line;
}

}  // namespace seed::api
