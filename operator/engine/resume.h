#pragma once
// Resuming a failed run: which of its outcomes a new run reuses, and whether it may be resumed.
// Pure functions: the caller reads the failed run (the operator from the API, `seed run` from its
// run record) and hands it to the planner (PlanInput::resume_from), which copies the outcome into
// the new run's status once, so the failed run may be deleted afterwards.
#include <optional>
#include <string>

#include "api/pipeline.h"
#include "api/pipelinerun.h"

namespace seed::engine {

// The starting status of a run that resumes a failed one: its snapshot, its Succeeded and Skipped
// tasks as they were (outputs included), the Succeeded and Skipped items of a fanned-out task that
// failed (with their values; the task Running, its other items Pending), and every other task
// Pending, finally tasks included (they report the resumed run's outcome). Planning from it runs
// only what failed or never ran, then the finally tasks.
// `origin` is the failed run's name when the new run has another name (spec.resumeFrom): each
// reused task and item then records the run it came from (reusedFrom; a reused one keeps the
// origin it already had), so its artifacts resolve to <workspace>/<origin>/<task>/... Empty when
// the run keeps its name (`seed run --resume`): the artifacts are where the planner looks anyway.
api::PipelineRunStatus ResumeStatus(const api::PipelineRunStatus& failed, const std::string& origin = "");

// ResumeStatus for spec.resumeFrom: also records what the new run takes from the failed one
// (status.resumedFrom: its name, params and scheduled time; those of its own origin when it was
// itself a resumed run).
api::PipelineRunStatus ResumeFromRun(const api::PipelineRun& failed);

// Why `run` may not resume `failed` (nullopt: it may): another pipeline, itself, a run that has
// not ended Failed or Cancelled, one that never started, or one whose workspace was its own claim
// (volumeClaimTemplate), which another run cannot mount.
std::optional<std::string> ResumeProblem(const api::PipelineRun& run, const api::PipelineRun& failed,
                                         const api::Workspace& failed_workspace);

}  // namespace seed::engine
