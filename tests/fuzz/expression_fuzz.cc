// `{{ ... }}` template expressions and `when` conditions: parsed, then substituted and evaluated in
// a scope holding every kind of value a run has (params, outputs, a skipped task, a scheduled time
// in a zone with DST), so filters and comparisons run on real values.
#include <date/tz.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "api/template_expression.h"
#include "engine/expression.h"
#include "engine/when.h"

namespace {

const seed::engine::ExpressionScope& Scope() {
  static const seed::engine::ExpressionScope scope = [] {
    seed::engine::ExpressionScope s;
    s.pipeline_params = {{"site", "wf01"}, {"days", "3"}, {"threshold", "0.15"}};
    s.params = {{"trees", "200"}, {"model", "gbdt"}};
    s.outputs = {{"model", "/workspace/run/train/model.json"}};
    s.task_outputs = {{"train", {{"validation_nrmse", "0.12"}, {"model", "/workspace/m.json"}}},
                      {"qc", {{"rows", "2880"}}}};
    s.skipped_tasks = {"tower"};
    s.run_name = "wind-20261207-0000";
    s.run_namespace = "plants";
    s.workspace = "/workspace/wind-20261207-0000";
    s.scheduled_time = seed::engine::Seconds{std::chrono::seconds(1792886400)};
    s.zone = date::locate_zone("Europe/Berlin");
    return s;
  }();
  return scope;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = seed::api::ParseTemplate(text);
  for (const auto& segment : parsed.segments) {
    if (segment.reference) (void)seed::api::JoinReference(segment.reference->path);
  }
  (void)seed::engine::Substitute(text, Scope());
  auto render_scope = Scope();
  render_scope.keep_unresolved_task_outputs = true;
  (void)seed::engine::Substitute(text, render_scope);
  if (seed::engine::CheckWhenSyntax(text).empty()) (void)seed::engine::EvaluateWhen(text, Scope());
  return 0;
}
