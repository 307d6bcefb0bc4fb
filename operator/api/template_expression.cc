#include "api/template_expression.h"

#include <regex>

namespace seed::api {
namespace {

std::string Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// Parses "ref | filter: arg | ..." into `reference`; returns an error message or "".
std::string ParseInner(const std::string& inner, ExpressionReference* reference) {
  std::vector<std::string> parts;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '"') quoted = !quoted;
    if (inner[i] == '|' && !quoted) {
      parts.push_back(Trim(std::string_view(inner).substr(start, i - start)));
      start = i + 1;
    }
  }
  parts.push_back(Trim(std::string_view(inner).substr(start)));
  static const std::regex kPath("[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z_0-9][A-Za-z0-9_-]*)*");
  if (parts[0].empty()) return "empty expression: write a reference such as {{pipeline.params.station}}";
  if (!std::regex_match(parts[0], kPath)) {
    return "\"" + parts[0] + "\" is not a reference: use dotted names such as tasks.qc.outputs.clean";
  }
  std::string segment;
  for (char c : parts[0]) {
    if (c == '.') {
      reference->path.push_back(segment);
      segment.clear();
    } else {
      segment += c;
    }
  }
  reference->path.push_back(segment);
  static const std::regex kAdd("(addDays|addMinutes)\\s*:\\s*([-+]?[0-9]{1,9})");
  static const std::regex kDate("date\\s*:\\s*\"([^\"]*)\"");
  for (size_t i = 1; i < parts.size(); ++i) {
    std::smatch match;
    ExpressionFilter filter;
    if (std::regex_match(parts[i], match, kAdd)) {
      filter.kind =
          match[1] == "addDays" ? ExpressionFilter::Kind::kAddDays : ExpressionFilter::Kind::kAddMinutes;
      filter.amount = std::stoll(match[2].str());
    } else if (std::regex_match(parts[i], match, kDate)) {
      filter.kind = ExpressionFilter::Kind::kDate;
      filter.format = match[1].str();
    } else {
      return "unknown filter \"" + parts[i] + "\": use addDays: N, addMinutes: N or date: \"%Y-%m-%d\"";
    }
    reference->filters.push_back(filter);
  }
  return "";
}

}  // namespace

bool ParsedTemplate::HasReferences() const {
  for (const auto& segment : segments) {
    if (segment.reference) return true;
  }
  return false;
}

std::string JoinReference(const std::vector<std::string>& path) {
  std::string text;
  for (const auto& part : path) text += (text.empty() ? "" : ".") + part;
  return text;
}

ParsedTemplate ParseTemplate(std::string_view text) {
  ParsedTemplate parsed;
  size_t position = 0;
  while (position < text.size()) {
    size_t open = text.find("{{", position);
    if (open == std::string_view::npos) {
      parsed.segments.push_back({std::string(text.substr(position)), std::nullopt});
      break;
    }
    if (open > position)
      parsed.segments.push_back({std::string(text.substr(position, open - position)), std::nullopt});
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      parsed.error = "unclosed \"{{\" in \"" + std::string(text) + "\": close the expression with \"}}\"";
      return parsed;
    }
    ExpressionReference reference;
    reference.text = std::string(text.substr(open, close + 2 - open));
    std::string inner(text.substr(open + 2, close - open - 2));
    if (inner.find("{{") != std::string::npos) {
      parsed.error = "nested \"{{\" in \"" + std::string(text) + "\"";
      return parsed;
    }
    std::string problem = ParseInner(inner, &reference);
    if (!problem.empty()) {
      parsed.error = problem;
      return parsed;
    }
    parsed.segments.push_back({"", std::move(reference)});
    position = close + 2;
  }
  return parsed;
}

}  // namespace seed::api
