#pragma once
// The Pipeline scheduler as a pure function: given the pipeline, its live runs and `now`, which
// runs to create, cancel and delete, which events to record and when to look again. Semantics
// follow the Kubernetes CronJob v2 controller, plus catch-up (None | Latest | All) and an
// explicit DST rule (see cron.h). Nothing here reads a clock.
#include <optional>
#include <string>
#include <vector>

#include "api/pipeline.h"
#include "api/pipelinerun.h"
#include "engine/cron.h"

namespace seed::engine {

// A scheduled time with no later one within this window counts as on time for catchup None
// (unless startingDeadlineSeconds is set, which then is the window).
inline constexpr int64_t kOnTimeWindowSeconds = 60;
// How far back missed times are enumerated after a long outage.
inline constexpr int64_t kMaxLookbackSeconds = 366LL * 24 * 3600;
// More missed times than this records the TooManyMissedTimes warning (the most recent still runs).
inline constexpr int64_t kTooManyMissed = 100;

// What the scheduler needs to know of one live PipelineRun owned by the pipeline.
struct RunRecord {
  std::string name;
  api::RunPhase phase = api::RunPhase::kPending;
  std::optional<Seconds> scheduled_time;  // spec.scheduledTime
  std::optional<Seconds> start_time;
  std::optional<Seconds> completion_time;
  std::optional<Seconds> creation_time;
  bool cancel_requested = false;
};

struct ScheduleInput {
  std::string pipeline_name;
  std::optional<Seconds> creation_time;  // metadata.creationTimestamp
  int64_t generation = 0;
  api::PipelineSpec spec;
  api::PipelineStatus status;
  std::vector<RunRecord> runs;  // every live run owned by the pipeline (from the API, not a cache)
  Seconds now;
};

struct ScheduledRun {
  std::string name;
  Seconds scheduled_time;
};

struct ScheduleEvent {
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
};

struct ScheduleDecision {
  std::vector<ScheduledRun> create;  // oldest first
  std::vector<std::string> cancel;   // Replace: set spec.cancel on these
  std::vector<std::string> remove;   // history limits: delete these, oldest first
  std::vector<ScheduleEvent> events;
  std::optional<Seconds> requeue_at;  // nullopt: only a change to the object warrants a look
  api::PipelineStatus status;
};

// How long a Pipeline status change that only follows runs finishing may wait for the status write
// of the next scheduled time, which then carries it.
inline constexpr int64_t kStatusCoalesceSeconds = 60;

// `<pipeline>-<scheduled unix minutes>`: a scheduled time can never run twice.
std::string ScheduledRunName(const std::string& pipeline, Seconds scheduled_time);

ScheduleDecision DecideSchedule(const ScheduleInput& input);

// True when `decided` differs from the `written` status only because runs finished (activeRuns lost
// members, lastSuccessfulTime moved) and the next scheduled time is at most kStatusCoalesceSeconds
// after `now`: that time's status write will carry the change, so a Pipeline that runs every minute
// costs one status write per scheduled time instead of two. Anything else (a new scheduled time,
// nextScheduleTime, conditions, observedGeneration) is never held back.
bool CanWaitForNextScheduleWrite(const api::PipelineStatus& written, const api::PipelineStatus& decided,
                                 Seconds now);

}  // namespace seed::engine
