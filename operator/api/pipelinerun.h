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
  // spec.resumeFrom.name: a Failed or Cancelled run of the same pipeline whose succeeded tasks
  // (and items) this run reuses; it then runs with that run's snapshot, params and scheduled time.
  std::string resume_from;
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

// The items of a fanned-out task, compactly: one letter per item, details only for the live ones
// and the first failures, so 1,000 items stay a few KiB (Argo's per-node status hit etcd's limit).
inline constexpr size_t kMaxListedItemFailures = 20;
struct ItemState {  // an item that is Running or Retrying
  int64_t attempt = 1;
  std::optional<Seconds> start_time;
  std::optional<Seconds> next_retry_time;
  std::string message;
  bool operator==(const ItemState&) const = default;
};
struct ItemFailure {
  int64_t item = 0;
  int64_t attempt = 0;
  std::string reason;
  std::string message;
  bool operator==(const ItemFailure&) const = default;
};
struct FanOutStatus {
  std::string phases;  // item i's phase as one letter: see ItemPhaseLetter
  std::map<int64_t, ItemState> live;
  std::vector<ItemFailure> failures;  // the first kMaxListedItemFailures failed items, by index
  // Value outputs, one JSON list per output in item order (null where an item has none yet).
  std::map<std::string, nlohmann::json> outputs;
  // Items reused from an earlier run (spec.resumeFrom): item -> the run whose pod made its
  // outputs, so its artifacts are under <workspace>/<that run>/<task>/<item>/. In JSON, compactly:
  // {run: "0-6,8-11"}.
  std::map<int64_t, std::string> reused_from;
  bool operator==(const FanOutStatus&) const = default;
};
// P Pending, R Running, T reTrying, S Succeeded, F Failed, K sKipped, O Omitted, C Cancelled.
char ItemPhaseLetter(TaskPhase phase);
std::optional<TaskPhase> ItemPhaseFromLetter(char letter);

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
  std::optional<FanOutStatus> items;           // a fanned-out task, once its items are known
  // The run whose pod produced this task's outputs when it is not this one (reused by
  // spec.resumeFrom): its artifacts are under <workspace>/<reused_from>/<task>/.
  std::string reused_from;

  bool operator==(const TaskStatus&) const = default;
};

// What a run that resumes another (spec.resumeFrom) took from it when it started, kept so that the
// failed run may be deleted afterwards: its name, params and scheduled time.
struct ResumedFrom {
  std::string name;
  std::map<std::string, std::string> params;
  std::optional<Seconds> scheduled_time;
  bool operator==(const ResumedFrom&) const = default;
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
  std::optional<ResumedFrom> resumed_from;
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

// Item indices as ranges ("0-6,8,10-11") and back; nullopt for text that is not such a list.
std::string FormatItemRanges(const std::vector<int64_t>& sorted_items);
std::optional<std::vector<int64_t>> ParseItemRanges(const std::string& text);

}  // namespace seed::api
