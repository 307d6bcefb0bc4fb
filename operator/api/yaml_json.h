#pragma once
// The one YAML <-> JSON bridge: YAML is only the file format; every object is JSON inside.
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace seed::api {

// A plain scalar that YAML 1.1 (the Kubernetes API server, kubectl) reads differently (api/yaml11.h).
struct YamlNote {
  int line = 0;  // 1-based
  int column = 0;
  std::string path;  // field path of the value, or of the map holding the key
  std::string message;
};

// One document of a (multi-document) YAML stream.
struct YamlDocument {
  nlohmann::json value;
  int line = 1;                      // 1-based line where the document starts
  std::map<std::string, int> lines;  // field path (spec.tasks[2].name) -> 1-based line
  std::vector<YamlNote> yaml11;      // scalars whose meaning differs under YAML 1.1
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
// schema (null, true/false, integers with 0o and 0x, floats; .inf and .nan stay strings, as JSON
// has no such numbers); quoted scalars are always strings.
// Throws YamlSyntaxError: on a syntax error (at the line of its cause when it is a tab in the
// indentation or an unclosed bracket or quote, api/yaml_syntax_hint.h), and on a key that appears
// twice in one map (YAML forbids it; most readers silently keep the last value).
std::vector<YamlDocument> ParseYamlDocuments(std::string_view text);

// Block-style YAML for printing objects (`seed render`). Strings that could read as another type
// are quoted.
std::string JsonToYaml(const nlohmann::json& value);

// The line of `path` or of its nearest ancestor in `document` (0 when unknown).
int LineOf(const YamlDocument& document, const std::string& path);

}  // namespace seed::api
