#pragma once
// Evaluation of `{{ ... }}` template expressions (syntax in api/template_expression.h).
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace date {
class time_zone;
}

namespace seed::engine {

using Seconds = std::chrono::sys_seconds;

// Everything an expression may refer to. Maps hold what is known; a reference to anything else
// is an error (never an empty string).
struct ExpressionScope {
  std::map<std::string, std::string> pipeline_params;  // {{pipeline.params.X}}
  std::map<std::string, std::string> params;           // {{params.X}} inside a template
  std::map<std::string, std::string> outputs;          // {{outputs.X}}: artifact path inside a template
  // {{tasks.T.outputs.Y}}: value outputs and artifact paths of finished tasks.
  std::map<std::string, std::map<std::string, std::string>> task_outputs;
  std::set<std::string> skipped_tasks;  // their outputs do not exist
  std::string run_name;
  std::string run_namespace;
  std::string workspace;  // {{workspace}}
  std::optional<Seconds> scheduled_time;
  const date::time_zone* zone = nullptr;  // for scheduledTime filters; nullptr = UTC
  // {{item}} and {{item.field}} in a fanned-out task: a string item as is, other values as JSON.
  std::optional<nlohmann::json> item;
  // {{run.status}} and {{run.failures}}: set for finally tasks once every main task ended.
  std::optional<std::string> run_status;
  std::optional<std::string> run_failures;  // JSON list of {task, item?, reason, message}
  bool keep_unresolved_items = false;       // `seed render` of a withParam task: leave {{item}} as written
  // `seed render`: leave {{tasks.T.outputs.Y}} of unfinished tasks as written.
  bool keep_unresolved_task_outputs = false;
};

struct Substitution {
  std::string value;
  std::string error;                       // non-empty: the text could not be substituted
  std::vector<std::string> skipped_tasks;  // referenced outputs of these skipped tasks
};

Substitution Substitute(const std::string& text, const ExpressionScope& scope);

// Formats an instant with the scheduledTime filters (addDays in local calendar days, addMinutes,
// date) as `{{run.scheduledTime | ...}}` would.
std::string FormatScheduledTime(Seconds time, const date::time_zone* zone);

}  // namespace seed::engine
