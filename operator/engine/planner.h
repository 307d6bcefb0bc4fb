#pragma once
// The DAG planner, one pure function shared by the operator and `seed run`:
//   (run, pipeline snapshot, observed attempts, now) -> pods to create and delete, the run's
//   status (a compact summary per task), and when to look again.
// It never reads a clock or does I/O; calling it twice with the same input gives the same plan,
// so a crash between any two steps converges (creates are idempotent by pod name).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/jobtemplate.h"
#include "api/pipelinerun.h"
#include "engine/backoff.h"
#include "engine/pipeline_check.h"
#include "engine/resume.h"

namespace seed::engine {

using Seconds = std::chrono::sys_seconds;

// One pod (or local process) of a task, as last observed.
struct ObservedAttempt {
  enum class State { kPending, kRunning, kSucceeded, kFailed };
  int64_t item = -1;  // the item of a fanned-out task (0-based); -1 for a plain task
  int64_t attempt = 1;
  State state = State::kPending;
  std::optional<Seconds> start_time;
  std::optional<Seconds> finish_time;
  std::optional<int64_t> exit_code;
  std::string reason;   // DeadlineExceeded, OOMKilled, Evicted ... (pod or container reason)
  std::string message;  // short human text (e.g. the last log line locally)
  std::string results;  // contents of the results file / termination message, when finished
};

using ObservedTasks = std::map<std::string, std::vector<ObservedAttempt>>;

struct PlanOptions {
  std::string workspace_root = "/seed/workspace";  // where artifact paths live
  BackoffPolicy backoff;
  std::string time_zone;  // zone of {{run.scheduledTime}} filters; empty: the schedule's or UTC
  // `seed render`: launch every task's first attempt at once, ignoring dependencies, `when` and
  // parallelism, with {{tasks.T.outputs.V}} of value outputs left as written.
  bool preview = false;
};

struct PlanInput {
  api::PipelineRun run;  // metadata, spec and the status written last time
  PipelineSnapshot snapshot;
  api::ValidationErrors snapshot_errors;  // from ParseSnapshot; any error fails the run at once
  ObservedTasks observed;
  Seconds now;
  PlanOptions options;
  // spec.resumeFrom: the failed run (status and snapshot included), read when the run starts. The
  // first plan (status without a snapshot yet) starts from ResumeFromRun of it; later plans read
  // the copy in the run's status, so it is not needed again. `snapshot` is then the failed run's.
  std::optional<api::PipelineRun> resume_from;
};

// A pod (process) to start: the template with its argv substituted and limits resolved.
struct TaskLaunch {
  std::string task;
  int64_t item = -1;  // >= 0: one item of a fanned-out task (its own pod)
  int64_t attempt = 1;
  api::JobTemplateSpec spec;                  // command/args substituted; retries/timeout resolved
  std::map<std::string, std::string> params;  // resolved template params
  std::optional<int64_t> active_deadline_seconds;
  Seconds scheduled_time;  // SEED_SCHEDULED_TIME, always UTC ("...Z") in every backend
};

struct TaskStop {
  std::string task;
  int64_t attempt = 1;
  std::string reason;  // Cancelled | Timeout
  int64_t item = -1;
};

struct Plan {
  std::vector<TaskLaunch> create;
  std::vector<TaskStop> remove;
  api::PipelineRunStatus status;
  std::optional<Seconds> requeue_at;
};

Plan PlanRun(const PlanInput& input);

// The artifact path of a task output: <root>/<run>/<task>/<file>, where file is the output's
// FileName() (its `file`, else its name). An item of a fanned-out task writes under
// <root>/<run>/<task>/<item>/<file>; downstream, the task's artifact output is the JSON list of them.
std::string ArtifactPath(const std::string& root, const std::string& run, const std::string& task,
                         const std::string& file);
// The line a failed attempt's termination message gives for its status: the "error" of a results
// object, else the last non-blank line of the log tail Kubernetes kept (FallbackToLogsOnError);
// "" when there is none. At most 300 characters.
std::string FailureLine(const std::string& termination_message);
// The scheduled time of a run: spec.scheduledTime, else creation time, else the given fallback.
Seconds RunScheduledTime(const api::PipelineRun& run, Seconds fallback);
// Tasks in dependency order (ties in declaration order).
std::vector<std::string> TopologicalOrder(const api::PipelineSpec& spec);

}  // namespace seed::engine
