#pragma once
// The one YAML <-> JSON bridge: YAML is only the file format; every object is JSON inside.
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace seed::api {

// One document of a (multi-document) YAML stream.
struct YamlDocument {
  nlohmann::json value;
  int line = 1;                      // 1-based line where the document starts
  std::map<std::string, int> lines;  // field path (spec.tasks[2].name) -> 1-based line
};

class YamlSyntaxError : public std::runtime_error {
 public:
  YamlSyntaxError(int line, int column, const std::string& message)
      : std::runtime_error(message), line_(line), column_(column) {}
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  int line_;
  int column_;
};

// Parses every document; empty documents are dropped. Unquoted scalars follow the YAML 1.2 core
// schema (null, true/false, integers, floats); quoted scalars are always strings.
// Throws YamlSyntaxError.
std::vector<YamlDocument> ParseYamlDocuments(std::string_view text);

// Block-style YAML for printing objects (`seed render`). Strings that could read as another type
// are quoted.
std::string JsonToYaml(const nlohmann::json& value);

// The line of `path` or of its nearest ancestor in `document` (0 when unknown).
int LineOf(const YamlDocument& document, const std::string& path);

}  // namespace seed::api
