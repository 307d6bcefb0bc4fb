#include "api/yaml_json.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <regex>
#include <sstream>

#include "api/yaml11.h"
#include "api/yaml_syntax_hint.h"

namespace seed::api {
namespace {

using nlohmann::json;

json PlainScalar(const std::string& text) {
  static const std::regex kNull("~|null|Null|NULL|");
  static const std::regex kTrue("true|True|TRUE");
  static const std::regex kFalse("false|False|FALSE");
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kOctal("0o[0-7]+");
  static const std::regex kHex("0x[0-9a-fA-F]+");
  static const std::regex kFloat("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, kNull)) return nullptr;
  if (std::regex_match(text, kTrue)) return true;
  if (std::regex_match(text, kFalse)) return false;
  try {
    if (std::regex_match(text, kInt)) return std::stoll(text);
    if (std::regex_match(text, kOctal)) return std::stoll(text.substr(2), nullptr, 8);
    if (std::regex_match(text, kHex)) return std::stoll(text.substr(2), nullptr, 16);
    if (std::regex_match(text, kFloat)) return std::stod(text);
  } catch (const std::out_of_range&) {
    return text;  // too large for a number: keep the text
  }
  return text;
}

struct Context {
  std::map<std::string, int>* lines;
  std::vector<YamlNote>* notes;
};

bool Plain(const YAML::Node& node) { return node.Tag() == "?"; }

json Convert(const YAML::Node& node, const std::string& path, const Context& context) {
  if (!path.empty()) context.lines->emplace(path, node.Mark().line + 1);
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar: {
      if (!Plain(node)) return node.Scalar();
      json value = PlainScalar(node.Scalar());
      if (auto difference = Yaml11Difference(node.Scalar(), value, false))
        context.notes->push_back({node.Mark().line + 1, node.Mark().column + 1, path, *difference});
      return value;
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        array.push_back(Convert(node[i], path + "[" + std::to_string(i) + "]", context));
      }
      return array;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      std::map<std::string, int> key_lines;
      for (const auto& entry : node) {
        std::string key = entry.first.Scalar();
        const YAML::Mark mark = entry.first.Mark();
        auto [first, inserted] = key_lines.emplace(key, mark.line + 1);
        if (!inserted) {
          throw YamlSyntaxError(mark.line + 1, mark.column + 1,
                                "duplicate key \"" + key + "\"" + (path.empty() ? "" : " in " + path) +
                                    " (first at line " + std::to_string(first->second) +
                                    "): a map may hold a key once, and a reader would keep only one of "
                                    "the values; remove or rename one of them");
        }
        if (entry.first.IsScalar() && Plain(entry.first)) {
          if (auto difference = Yaml11Difference(key, PlainScalar(key), true))
            context.notes->push_back({mark.line + 1, mark.column + 1, path, *difference});
        }
        object[key] = Convert(entry.second, path.empty() ? key : path + "." + key, context);
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
  // Nor as anything but a string to a YAML 1.1 reader (kubectl): y, no, .inf, 0x1F...
  if (!ResolveYaml11(text).is_string()) return true;
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

// yaml-cpp 0.7 (Debian bookworm's) loops forever on some malformed streams, a ',' where a node
// should begin (upstream issue 1040, fixed after 0.8): LoadAll gets the same empty document again
// and again and allocates until the process dies. This first pass reads only the events, builds
// nothing, and stops at the first document that starts where the one before it did.
class ProgressCheck : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = documents_++ > 0 && mark.pos == last_.pos;
    last_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
  }
  void OnMapEnd() override {}

  bool stuck() const { return stuck_; }
  const YAML::Mark& mark() const { return last_; }

 private:
  size_t documents_ = 0;
  bool stuck_ = false;
  YAML::Mark last_;
};

// Throws YamlSyntaxError where yaml-cpp would stop making progress; returns otherwise.
void CheckTheParserAdvances(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  ProgressCheck check;
  while (parser.HandleNextDocument(check)) {
    if (!check.stuck()) continue;
    const YAML::Mark& at = check.mark();
    const char c = at.pos >= 0 && static_cast<size_t>(at.pos) < text.size() ? text[at.pos] : '?';
    throw YamlSyntaxError(
        at.line + 1, at.column + 1,
        std::string("'") + c + "' cannot begin a value here: remove it, or quote the value ('" + c + "...')");
  }
}

}  // namespace

std::vector<YamlDocument> ParseYamlDocuments(std::string_view text) {
  std::vector<YamlDocument> documents;
  try {
    const std::string stream(text);
    CheckTheParserAdvances(stream);
    for (const YAML::Node& node : YAML::LoadAll(stream)) {
      if (node.IsNull()) continue;
      YamlDocument document;
      document.line = node.Mark().line + 1;
      document.value = Convert(node, "", {&document.lines, &document.yaml11});
      documents.push_back(std::move(document));
    }
  } catch (const YAML::Exception& error) {
    // The parser reports where it gave up, often a line after the cause and with no hint of it.
    if (auto hint = FindYamlSyntaxHint(text, error.mark.line + 1))
      throw YamlSyntaxError(hint->line, hint->column, hint->message);
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
