#pragma once
// The Events a PipelineRun status change deserves (what `kubectl describe` should tell a user):
// task started, succeeded, failed, retrying, skipped; run finished. Pure: old and new status in,
// events out, in task dependency order. An attempt that started and already finished between two
// status writes gets its TaskStarted too, before its outcome.
#include <string>
#include <vector>

#include "api/pipelinerun.h"

namespace seed::controllers {

struct RunEvent {
  std::string type;    // Normal | Warning
  std::string reason;  // TaskStarted, TaskSucceeded, TaskFailed, TaskRetrying, TaskSkipped, RunSucceeded ...
  std::string message;
};

std::vector<RunEvent> RunStatusEvents(const api::PipelineRunStatus& before, const api::PipelineRunStatus& after,
                                      const std::vector<std::string>& task_order);

}  // namespace seed::controllers
