#include "api/pipelinerun.h"

#include <cctype>

#include "api/field_reader.h"
#include "api/time_format.h"

namespace seed::api {

using nlohmann::json;

namespace {
constexpr const char* kRunPhases[] = {"Pending", "Running", "Succeeded", "Failed", "Cancelled"};
constexpr const char* kTaskPhases[] = {"Pending", "Running", "Retrying", "Succeeded",
                                       "Failed",  "Skipped", "Omitted",  "Cancelled"};
}  // namespace

const char* RunPhaseName(RunPhase phase) { return kRunPhases[static_cast<int>(phase)]; }
const char* TaskPhaseName(TaskPhase phase) { return kTaskPhases[static_cast<int>(phase)]; }

std::optional<RunPhase> ParseRunPhase(const std::string& text) {
  for (int i = 0; i < 5; ++i) {
    if (text == kRunPhases[i]) return static_cast<RunPhase>(i);
  }
  return std::nullopt;
}

std::optional<TaskPhase> ParseTaskPhase(const std::string& text) {
  for (int i = 0; i < 8; ++i) {
    if (text == kTaskPhases[i]) return static_cast<TaskPhase>(i);
  }
  return std::nullopt;
}

char ItemPhaseLetter(TaskPhase phase) { return "PRTSFKOC"[static_cast<int>(phase)]; }

std::optional<TaskPhase> ItemPhaseFromLetter(char letter) {
  const std::string letters = "PRTSFKOC";
  auto at = letters.find(letter);
  if (at == std::string::npos) return std::nullopt;
  return static_cast<TaskPhase>(at);
}

namespace {

json FanOutToJson(const FanOutStatus& items) {
  json counts = json::object();
  for (char letter : items.phases) {
    std::string name = TaskPhaseName(ItemPhaseFromLetter(letter).value_or(TaskPhase::kPending));
    counts[name] = counts.value(name, 0) + 1;
  }
  json out = {{"count", items.phases.size()}, {"counts", counts}, {"phases", items.phases}};
  if (!items.live.empty()) {
    json live = json::array();
    for (const auto& [index, state] : items.live) {
      json entry = {{"item", index}, {"attempt", state.attempt}};
      if (state.start_time) entry["startTime"] = FormatRfc3339(*state.start_time);
      if (state.next_retry_time) entry["nextRetryTime"] = FormatRfc3339(*state.next_retry_time);
      if (!state.message.empty()) entry["message"] = state.message;
      live.push_back(entry);
    }
    out["live"] = live;
  }
  if (!items.failures.empty()) {
    json failures = json::array();
    for (const auto& failure : items.failures) {
      json entry = {{"item", failure.item}, {"attempt", failure.attempt}};
      if (!failure.reason.empty()) entry["reason"] = failure.reason;
      if (!failure.message.empty()) entry["message"] = failure.message;
      failures.push_back(entry);
    }
    out["failures"] = failures;
  }
  if (!items.outputs.empty()) out["outputs"] = items.outputs;
  if (!items.reused_from.empty()) {
    std::map<std::string, std::vector<int64_t>> by_run;
    for (const auto& [item, run] : items.reused_from) by_run[run].push_back(item);
    json reused = json::object();
    for (const auto& [run, list] : by_run) reused[run] = FormatItemRanges(list);
    out["reusedFrom"] = reused;
  }
  return out;
}

FanOutStatus FanOutFromJson(const json& value) {
  FanOutStatus items;
  items.phases = value.value("phases", "");
  for (char& letter : items.phases) {
    if (!ItemPhaseFromLetter(letter)) letter = 'P';  // an unknown letter: look at the item again
  }
  if (value.contains("live") && value["live"].is_array()) {
    for (const auto& entry : value["live"]) {
      if (!entry.is_object() || !entry.contains("item") || !entry["item"].is_number_integer()) continue;
      ItemState state;
      state.attempt = entry.value("attempt", int64_t{1});
      state.start_time = TimeField(entry, "startTime");
      state.next_retry_time = TimeField(entry, "nextRetryTime");
      state.message = entry.value("message", "");
      items.live[entry["item"].get<int64_t>()] = state;
    }
  }
  if (value.contains("failures") && value["failures"].is_array()) {
    for (const auto& entry : value["failures"]) {
      if (!entry.is_object()) continue;
      items.failures.push_back({entry.value("item", int64_t{0}), entry.value("attempt", int64_t{0}),
                                entry.value("reason", ""), entry.value("message", "")});
    }
  }
  if (value.contains("outputs") && value["outputs"].is_object()) {
    for (const auto& [key, list] : value["outputs"].items()) {
      if (list.is_array()) items.outputs[key] = list;
    }
  }
  if (value.contains("reusedFrom") && value["reusedFrom"].is_object()) {
    for (const auto& [run, ranges] : value["reusedFrom"].items()) {
      if (!ranges.is_string()) continue;
      for (int64_t item : ParseItemRanges(ranges.get<std::string>()).value_or(std::vector<int64_t>{}))
        items.reused_from[item] = run;
    }
  }
  return items;
}

}  // namespace

bool IsTerminal(RunPhase phase) {
  return phase == RunPhase::kSucceeded || phase == RunPhase::kFailed || phase == RunPhase::kCancelled;
}

bool IsTerminal(TaskPhase phase) {
  return phase != TaskPhase::kPending && phase != TaskPhase::kRunning && phase != TaskPhase::kRetrying;
}

PipelineRunSpec ParsePipelineRunSpec(const json& value, const std::string& path, ValidationErrors* errors) {
  PipelineRunSpec spec;
  FieldReader reader(value, path, errors);
  if (const json* ref = reader.Object("pipelineRef", true)) {
    FieldReader ref_reader(*ref, reader.PathOf("pipelineRef"), errors);
    spec.pipeline_ref = ref_reader.String("name", true).value_or("");
    ref_reader.Finish();
  }
  spec.params = reader.IntOrStringMap("params");
  if (auto scheduled = reader.String("scheduledTime")) {
    spec.scheduled_time = ParseRfc3339(*scheduled);
    if (!spec.scheduled_time) {
      reader.Error("scheduledTime",
                   "\"" + *scheduled + "\" is not an RFC 3339 time such as 2026-11-22T00:15:00Z");
    }
  }
  spec.cancel = reader.Bool("cancel").value_or(false);
  if (const json* resume = reader.Object("resumeFrom")) {
    FieldReader resume_reader(*resume, reader.PathOf("resumeFrom"), errors);
    spec.resume_from = resume_reader.String("name", true).value_or("");
    resume_reader.Finish();
    // The reused outputs were computed with the failed run's params and scheduled time.
    if (value.contains("params"))
      reader.Error("params",
                   "a run with resumeFrom takes the params of the run it resumes; remove params, or create a "
                   "run without resumeFrom to run with other params");
    if (value.contains("scheduledTime"))
      reader.Error(
          "scheduledTime",
          "a run with resumeFrom takes the scheduled time of the run it resumes; remove scheduledTime");
  }
  reader.Finish();
  return spec;
}

PipelineRun ParsePipelineRun(const json& object, ValidationErrors* errors) {
  PipelineRun result;
  const json* spec = ParseObjectHead(object, "PipelineRun", 63, &result.metadata, errors);
  if (!spec) return result;
  result.spec = ParsePipelineRunSpec(*spec, "spec", errors);
  if (object.contains("status")) result.status = PipelineRunStatusFromJson(object["status"]);
  return result;
}

json PipelineRunSpecToJson(const PipelineRunSpec& spec) {
  json out = {{"pipelineRef", {{"name", spec.pipeline_ref}}}};
  if (!spec.params.empty()) out["params"] = spec.params;
  if (spec.scheduled_time) out["scheduledTime"] = FormatRfc3339(*spec.scheduled_time);
  if (spec.cancel) out["cancel"] = true;
  if (!spec.resume_from.empty()) out["resumeFrom"] = {{"name", spec.resume_from}};
  return out;
}

std::string FormatItemRanges(const std::vector<int64_t>& items) {
  std::string text;
  for (size_t i = 0; i < items.size();) {
    size_t j = i;
    while (j + 1 < items.size() && items[j + 1] == items[j] + 1) ++j;
    if (!text.empty()) text += ",";
    text += std::to_string(items[i]);
    if (j > i) text += "-" + std::to_string(items[j]);
    i = j + 1;
  }
  return text;
}

std::optional<std::vector<int64_t>> ParseItemRanges(const std::string& text) {
  std::vector<int64_t> items;
  size_t at = 0;
  auto number = [&](int64_t* out) {
    size_t start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) ++at;
    if (at == start || at - start > 9) return false;
    *out = std::stoll(text.substr(start, at - start));
    return true;
  };
  while (at < text.size()) {
    int64_t first = 0;
    int64_t last = 0;
    if (!number(&first)) return std::nullopt;
    last = first;
    if (at < text.size() && text[at] == '-') {
      ++at;
      if (!number(&last) || last < first || last - first > 100000) return std::nullopt;
    }
    for (int64_t i = first; i <= last; ++i) items.push_back(i);
    if (at < text.size() && (text[at++] != ',' || at == text.size())) return std::nullopt;
  }
  return items;
}

json TaskStatusToJson(const TaskStatus& status) {
  json out = {{"phase", TaskPhaseName(status.phase)}};
  if (status.attempt) out["attempt"] = status.attempt;
  if (!status.pod_name.empty()) out["podName"] = status.pod_name;
  if (status.start_time) out["startTime"] = FormatRfc3339(*status.start_time);
  if (status.completion_time) out["completionTime"] = FormatRfc3339(*status.completion_time);
  if (status.next_retry_time) out["nextRetryTime"] = FormatRfc3339(*status.next_retry_time);
  if (status.exit_code) out["exitCode"] = *status.exit_code;
  if (!status.reason.empty()) out["reason"] = status.reason;
  if (!status.message.empty()) out["message"] = status.message;
  if (!status.outputs.empty()) out["outputs"] = status.outputs;
  if (status.items) out["items"] = FanOutToJson(*status.items);
  if (!status.reused_from.empty()) out["reusedFrom"] = status.reused_from;
  return out;
}

TaskStatus TaskStatusFromJson(const json& value) {
  TaskStatus status;
  if (!value.is_object()) return status;
  status.phase = ParseTaskPhase(value.value("phase", "Pending")).value_or(TaskPhase::kPending);
  status.attempt = value.value("attempt", int64_t{0});
  status.pod_name = value.value("podName", "");
  status.start_time = TimeField(value, "startTime");
  status.completion_time = TimeField(value, "completionTime");
  status.next_retry_time = TimeField(value, "nextRetryTime");
  if (value.contains("exitCode") && value["exitCode"].is_number_integer())
    status.exit_code = value["exitCode"].get<int64_t>();
  status.reason = value.value("reason", "");
  status.message = value.value("message", "");
  if (value.contains("outputs") && value["outputs"].is_object()) {
    for (const auto& [key, item] : value["outputs"].items()) {
      if (auto text = ScalarText(item)) status.outputs[key] = *text;
    }
  }
  if (value.contains("items") && value["items"].is_object()) status.items = FanOutFromJson(value["items"]);
  status.reused_from = value.value("reusedFrom", "");
  return status;
}

json PipelineRunStatusToJson(const PipelineRunStatus& status) {
  json out = {{"observedGeneration", status.observed_generation}, {"phase", RunPhaseName(status.phase)}};
  if (status.start_time) out["startTime"] = FormatRfc3339(*status.start_time);
  if (status.completion_time) out["completionTime"] = FormatRfc3339(*status.completion_time);
  out["progress"] = status.progress;
  if (!status.duration.empty()) out["duration"] = status.duration;
  if (!status.message.empty()) out["message"] = status.message;
  out["tasks"] = json::object();
  for (const auto& [name, task] : status.tasks) out["tasks"][name] = TaskStatusToJson(task);
  if (!status.pipeline_spec.is_null()) out["pipelineSpec"] = status.pipeline_spec;
  if (status.resumed_from) {
    json resumed = {{"name", status.resumed_from->name}};
    if (!status.resumed_from->params.empty()) resumed["params"] = status.resumed_from->params;
    if (status.resumed_from->scheduled_time)
      resumed["scheduledTime"] = FormatRfc3339(*status.resumed_from->scheduled_time);
    out["resumedFrom"] = resumed;
  }
  out["conditions"] = json::array();
  for (const auto& condition : status.conditions) out["conditions"].push_back(ConditionToJson(condition));
  return out;
}

PipelineRunStatus PipelineRunStatusFromJson(const json& value) {
  PipelineRunStatus status;
  if (!value.is_object()) return status;
  status.observed_generation = value.value("observedGeneration", int64_t{0});
  status.phase = ParseRunPhase(value.value("phase", "Pending")).value_or(RunPhase::kPending);
  status.start_time = TimeField(value, "startTime");
  status.completion_time = TimeField(value, "completionTime");
  status.progress = value.value("progress", "");
  status.duration = value.value("duration", "");
  status.message = value.value("message", "");
  if (value.contains("tasks") && value["tasks"].is_object()) {
    for (const auto& [name, task] : value["tasks"].items()) status.tasks[name] = TaskStatusFromJson(task);
  }
  if (value.contains("pipelineSpec")) status.pipeline_spec = value["pipelineSpec"];
  if (value.contains("resumedFrom") && value["resumedFrom"].is_object()) {
    const json& resumed = value["resumedFrom"];
    ResumedFrom from;
    from.name = resumed.value("name", "");
    if (resumed.contains("params") && resumed["params"].is_object()) {
      for (const auto& [key, item] : resumed["params"].items()) {
        if (auto text = ScalarText(item)) from.params[key] = *text;
      }
    }
    from.scheduled_time = TimeField(resumed, "scheduledTime");
    status.resumed_from = std::move(from);
  }
  if (value.contains("conditions") && value["conditions"].is_array()) {
    for (const auto& condition : value["conditions"])
      status.conditions.push_back(ConditionFromJson(condition));
  }
  return status;
}

}  // namespace seed::api
