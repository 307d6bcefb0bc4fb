#pragma once
// The Pipeline controller: the cron scheduler (engine::DecideSchedule) plus history limits,
// status (lastScheduleTime, nextScheduleTime, lastSuccessfulTime, activeRuns) and a Valid
// condition from checking the Pipeline against its JobTemplates.
//
// Crash safety: runs are named engine::ScheduledRunName(pipeline, time), so creating one twice is
// a 409 AlreadyExists ("done before"); the scheduler's watermark is the newest of
// status.lastScheduleTime and the scheduled times of live runs, so a crash between creating a run
// and writing the status loses nothing. Under Forbid and Replace, a decision to create is taken
// again on a fresh read of the Pipeline and its runs from the API server, never on the cache alone.
// Finished runs are deleted for the history limits only after the status that covers them is written.
//
// Creates first: a reconcile that creates runs returns before writing the status; the new run's
// watch event queues the Pipeline again (behind every other Pipeline due at the same time, so with
// 10,000 Pipelines on one schedule all runs are created before any status write), and that
// reconcile writes the status, deletes for the history limits and records the Events (a 1 s
// requeue covers a lost event). The new run is itself the watermark, so nothing is lost if the
// process dies in between.
//
// Writes: one status write per scheduled time (lastScheduleTime, nextScheduleTime, activeRuns and
// conditions together). A change that only follows runs finishing (activeRuns, lastSuccessfulTime)
// waits for that write when the next scheduled time is at most a minute away
// (engine::CanWaitForNextScheduleWrite); otherwise it is written at once.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controllers/options.h"
#include "engine/schedule_decision.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/events.h"
#include "kube/informer.h"

namespace seed::controllers {

// Whether a change to JobTemplate `template_name` (same namespace) can change what the Pipeline
// object's reconcile writes: a task uses it, or the Pipeline is not known valid (its message lists
// the namespace's templates).
bool PipelineMayDependOn(const nlohmann::json& pipeline, const std::string& template_name);

class PipelineReconciler : public kube::Reconciler {
 public:
  PipelineReconciler(std::shared_ptr<kube::Client> client, kube::Informer& pipelines, kube::Informer& runs,
                     kube::Informer& templates, kube::EventRecorder* events, SeedControllerOptions options);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileContext& context) override;

 private:
  kube::Result<std::vector<engine::RunRecord>> LiveRuns(const nlohmann::json& pipeline, bool fresh);
  void SetValidCondition(const api::Pipeline& pipeline, engine::Seconds now, api::PipelineStatus* status);

  std::shared_ptr<kube::Client> client_;
  kube::Informer& pipelines_;
  kube::Informer& runs_;
  kube::Informer& templates_;
  kube::EventRecorder* events_;
  SeedControllerOptions options_;
  std::mutex mu_;
  // The newest scheduled time this process created a run for, per Pipeline UID: covers a cached
  // status that has not caught up with our own write yet.
  std::map<std::string, engine::Seconds> scheduled_;
  // Events of creates whose status write is still to come, per Pipeline UID (best effort, as all
  // Events are: lost if the process dies).
  std::map<std::string, std::vector<engine::ScheduleEvent>> pending_events_;
};

}  // namespace seed::controllers
