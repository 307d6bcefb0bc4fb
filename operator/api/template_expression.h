#pragma once
// The syntax of `{{ ... }}` template expressions, e.g.
//   {{tasks.qc.outputs.clean}}   {{run.scheduledTime | addDays: 1 | date: "%Y-%m-%d"}}
// Parsing is part of the API (validation needs it); evaluation lives in the engine.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seed::api {

struct ExpressionFilter {
  enum class Kind { kAddDays, kAddMinutes, kDate };
  Kind kind = Kind::kAddDays;
  long long amount = 0;  // addDays / addMinutes
  std::string format;    // date
};

struct ExpressionReference {
  std::vector<std::string> path;  // "tasks.qc.outputs.clean" -> {tasks, qc, outputs, clean}
  std::vector<ExpressionFilter> filters;
  std::string text;  // the whole "{{...}}" as written
};

struct TemplateSegment {
  std::string literal;  // used when reference is empty
  std::optional<ExpressionReference> reference;
};

struct ParsedTemplate {
  std::vector<TemplateSegment> segments;
  std::string error;  // empty when the text parsed
  bool HasReferences() const;
};

ParsedTemplate ParseTemplate(std::string_view text);
std::string JoinReference(const std::vector<std::string>& path);

}  // namespace seed::api
