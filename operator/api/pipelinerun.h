#pragma once
// PipelineRun: one execution of a Pipeline, and its compact status (a summary per task).
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/object_meta.h"
#include "api/validation.h"

namespace seed::api {

// Annotation a scheduled run carries (the idempotency key of a scheduled time).
inline constexpr char kScheduledTimeAnnotation[] = "seed.dev/scheduled-time";

struct PipelineRunSpec {
  std::string pipeline_ref;
  std::map<std::string, std::string> params;
  std::optional<Seconds> scheduled_time;
  bool cancel = false;
};

enum class RunPhase { kPending, kRunning, kSucceeded, kFailed, kCancelled };
// Pending: waiting for dependencies or a parallelism slot. Retrying: in backoff before the next
// attempt. Skipped: `when` was false (counts as done). Omitted: not run because a dependency
// failed or was cancelled.
enum class TaskPhase { kPending, kRunning, kRetrying, kSucceeded, kFailed, kSkipped, kOmitted, kCancelled };

const char* RunPhaseName(RunPhase phase);
const char* TaskPhaseName(TaskPhase phase);
std::optional<RunPhase> ParseRunPhase(const std::string& text);
std::optional<TaskPhase> ParseTaskPhase(const std::string& text);
bool IsTerminal(RunPhase phase);
bool IsTerminal(TaskPhase phase);

struct TaskStatus {
  TaskPhase phase = TaskPhase::kPending;
  int64_t attempt = 0;  // 1-based attempt of the current or last pod; 0 before the first
  std::string pod_name;
  std::optional<Seconds> start_time;  // first attempt started
  std::optional<Seconds> completion_time;
  std::optional<Seconds> next_retry_time;  // while Retrying
  std::optional<int64_t> exit_code;
  std::string reason;                          // short CamelCase cause: Timeout, ExitCode, OutputMissing ...
  std::string message;                         // one line for a human, never logs
  std::map<std::string, std::string> outputs;  // value outputs (artifact paths are derivable)

  bool operator==(const TaskStatus&) const = default;
};

struct PipelineRunStatus {
  int64_t observed_generation = 0;
  RunPhase phase = RunPhase::kPending;
  std::optional<Seconds> start_time;
  std::optional<Seconds> completion_time;
  std::string progress;  // "done/total" for the PROGRESS column
  std::string duration;  // "4m12s" once finished, for the DURATION column
  std::string message;
  std::map<std::string, TaskStatus> tasks;
  nlohmann::json pipeline_spec;  // snapshot {pipeline: spec, templates: {name: spec}}; null until started
  std::vector<Condition> conditions;
};

struct PipelineRun {
  ObjectMeta metadata;
  PipelineRunSpec spec;
  PipelineRunStatus status;
};

PipelineRunSpec ParsePipelineRunSpec(const nlohmann::json& spec, const std::string& path,
                                     ValidationErrors* errors);
PipelineRun ParsePipelineRun(const nlohmann::json& object, ValidationErrors* errors);

nlohmann::json TaskStatusToJson(const TaskStatus& status);
TaskStatus TaskStatusFromJson(const nlohmann::json& value);
nlohmann::json PipelineRunStatusToJson(const PipelineRunStatus& status);
PipelineRunStatus PipelineRunStatusFromJson(const nlohmann::json& value);
nlohmann::json PipelineRunSpecToJson(const PipelineRunSpec& spec);

}  // namespace seed::api
