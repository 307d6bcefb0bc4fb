#include "api/yaml_syntax_hint.h"

#include <regex>
#include <vector>

namespace seed::api {
namespace {

struct Opened {
  char bracket;
  int line;
  int column;
};

char Closer(char open) { return open == '[' ? ']' : '}'; }

std::string Where(int line, int column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

YamlSyntaxHint Unclosed(const Opened& open) {
  std::string kind = open.bracket == '[' ? "list" : open.bracket == '{' ? "map" : "quoted string";
  char closer = open.bracket == '[' || open.bracket == '{' ? Closer(open.bracket) : open.bracket;
  return {open.line, open.column,
          std::string("the ") + kind + " opened by '" + open.bracket + "' at " +
              Where(open.line, open.column) + " is never closed: add the closing '" + closer + "'"};
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    std::string line(
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

size_t Indentation(const std::string& line) {
  return line.find_first_not_of(' ') == std::string::npos ? line.size() : line.find_first_not_of(' ');
}

bool Blank(const std::string& line) { return line.find_first_not_of(" \t") == std::string::npos; }

bool DocumentMarker(const std::string& line) {
  return (line.rfind("---", 0) == 0 || line.rfind("...", 0) == 0) &&
         (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
}

// A map entry written without ': ' ("command [x]", "command:[x]") reads as a plain scalar, and the
// parser fails on the next entry of the map, a line late: the line before `error_line` (skipping
// blank and comment lines) when the failing line is a "key:" entry at the same indentation.
std::optional<YamlSyntaxHint> MissingColon(const std::vector<std::string>& lines, int error_line) {
  if (error_line < 2 || error_line > static_cast<int>(lines.size())) return std::nullopt;
  const std::string& failing = lines[error_line - 1];
  int previous = error_line - 2;
  while (previous >= 0 &&
         (Blank(lines[previous]) || lines[previous][lines[previous].find_first_not_of(" \t")] == '#'))
    --previous;
  if (previous < 0) return std::nullopt;
  const std::string& line = lines[previous];
  size_t indent = Indentation(line);
  if (Indentation(failing) != indent || failing.find(':') == std::string::npos) return std::nullopt;
  std::string content = line.substr(indent);
  if (content.rfind("- ", 0) == 0 || content.empty() ||
      std::string("[{\"'|>#-").find(content[0]) != std::string::npos)
    return std::nullopt;
  if (content.find(": ") != std::string::npos || content.back() == ':') return std::nullopt;
  size_t colon = content.find(':');
  std::string key = content.substr(0, colon == std::string::npos ? content.find_first_of(" [{") : colon);
  return YamlSyntaxHint{
      previous + 1, static_cast<int>(indent) + 1,
      "\"" + content + "\" is not a map entry: write \"" + key + ": value\", with a space after the colon"};
}

}  // namespace

std::optional<YamlSyntaxHint> FindYamlSyntaxHint(std::string_view text, int error_line) {
  // A block scalar header (`key: |`, `- >-`): the more-indented lines after it are content.
  static const std::regex kBlockScalar(R"((^|.*[\s:-])[|>][-+0-9]{0,2}\s*(#.*)?)");
  std::vector<Opened> open;  // flow brackets and a quoted scalar, innermost last
  int block_indent = -1;
  const std::vector<std::string> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const int number = static_cast<int>(i) + 1;
    if (block_indent >= 0) {
      if (Blank(line) || static_cast<int>(Indentation(line)) > block_indent) continue;
      block_indent = -1;
    }
    bool in_quote = !open.empty() && (open.back().bracket == '"' || open.back().bracket == '\'');
    if (DocumentMarker(line) && !in_quote) {
      if (!open.empty()) return Unclosed(open.back());
      continue;
    }
    if (open.empty()) {
      size_t content = line.find_first_not_of(" \t");
      size_t tab = line.find('\t');
      if (content != std::string::npos && tab < content && line[content] != '#') {
        return YamlSyntaxHint{
            number, static_cast<int>(tab) + 1,
            "a tab in the indentation: YAML forbids tabs for indentation; indent with spaces"};
      }
    }
    for (size_t j = 0; j < line.size(); ++j) {
      const char c = line[j];
      if (!open.empty() && open.back().bracket == '"') {
        if (c == '\\')
          ++j;
        else if (c == '"')
          open.pop_back();
        continue;
      }
      if (!open.empty() && open.back().bracket == '\'') {
        if (c == '\'' && j + 1 < line.size() && line[j + 1] == '\'')
          ++j;
        else if (c == '\'')
          open.pop_back();
        continue;
      }
      if (c == '#' && (j == 0 || line[j - 1] == ' ' || line[j - 1] == '\t')) break;
      // A quote or bracket starts a node only at the start of one (after indentation, "- ", ": ",
      // or inside a flow collection after a separator); elsewhere it is part of a plain scalar.
      size_t before = line.find_last_not_of(" \t", j == 0 ? std::string::npos : j - 1);
      if (j == 0) before = std::string::npos;
      char previous = before == std::string::npos ? '\0' : line[before];
      bool spaced = j == 0 || line[j - 1] == ' ' || line[j - 1] == '\t';
      bool node_start = previous == '\0' || previous == '[' || previous == '{' || previous == ',' ||
                        (spaced && (previous == ':' || previous == '-' || previous == '?'));
      bool in_flow = !open.empty();
      if ((c == '"' || c == '\'') && node_start) {
        open.push_back({c, number, static_cast<int>(j) + 1});
      } else if ((c == '[' || c == '{') && (node_start || in_flow)) {
        open.push_back({c, number, static_cast<int>(j) + 1});
      } else if ((c == ']' || c == '}') && in_flow) {
        if (Closer(open.back().bracket) != c) {
          const Opened& opened = open.back();
          return YamlSyntaxHint{number, static_cast<int>(j) + 1,
                                std::string("'") + c + "' at " + Where(number, static_cast<int>(j) + 1) +
                                    " does not match the '" + opened.bracket + "' opened at " +
                                    Where(opened.line, opened.column) + ": close it with '" +
                                    Closer(opened.bracket) + "'"};
        }
        open.pop_back();
      }
    }
    if (open.empty() && std::regex_match(line, kBlockScalar))
      block_indent = static_cast<int>(Indentation(line));
  }
  if (!open.empty()) return Unclosed(open.back());
  return MissingColon(lines, error_line);
}

}  // namespace seed::api
