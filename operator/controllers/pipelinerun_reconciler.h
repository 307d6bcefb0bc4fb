#pragma once
// The PipelineRun controller: runs a run's tasks as pods.
//  1. On the first look, snapshot the Pipeline and its JobTemplates into status.pipelineSpec, so
//     editing a Pipeline never changes a running run. A run with spec.resumeFrom instead reads the
//     failed run once and starts from its snapshot and reused outcomes (engine::ResumeFromRun).
//  2. Observe the pods of the attempts the status has running (from the cache, by their
//     deterministic names: a look costs O(running pods), never O(pods of the run)) and call
//     engine::PlanRun; a planned pod that already exists is adopted by planning again
//     (PlanAdoptingPods).
//  3. Delete the pods the plan stops (timeouts, cancel; pods get their grace period), write the
//     status through the status subresource when it changed (409 Conflict: re-read and re-plan),
//     then create the planned pods (deterministic names: 409 AlreadyExists means "done before").
//  4. Record Events and run metrics (RunMetrics) for what changed and requeue at the plan's next
//     deadline.
// The first status write is the exception to "status, then pods": the first pods are created at
// once and the first status waits up to a second (kFirstStatusDelay), so a run whose pods finish
// within it costs one status write, its final one; a run still going then shows Running. Until it
// is written, later looks plan on from the status kept in memory (same snapshot and start times).
// Pods are never created twice because their names are fixed, and a restart in between re-derives
// the same plan: the status is still empty, the snapshot is taken again and the existing pods are
// adopted (task start times then count from the restart).
// Limit: if the Pipeline or a template is edited while the operator is down inside that second, the
// run records the edited snapshot although its first pods were made from the earlier one.
// After the first write, writing the status before creating pods means a crash between the two
// leaves a status that the planner re-derives the same pods from.
// With an artifact repository, each terminated task pod is offered to the LogArchiver (its own
// worker), which keeps the pod's log and results file in the bucket (controllers/log_archiver.h).
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "controllers/log_archiver.h"
#include "controllers/options.h"
#include "controllers/run_metrics.h"
#include "engine/planner.h"
#include "kube/client.h"
#include "kube/controller.h"
#include "kube/events.h"
#include "kube/informer.h"

namespace seed::controllers {

class PipelineRunReconciler : public kube::Reconciler {
 public:
  PipelineRunReconciler(std::shared_ptr<kube::Client> client, kube::Informer& runs, kube::Informer& pods,
                        kube::Informer& pipelines, kube::Informer& templates, kube::EventRecorder* events,
                        SeedControllerOptions options, std::shared_ptr<RunMetrics> run_metrics = nullptr);

  kube::Result<kube::ReconcileResult> Reconcile(const kube::ReconcileContext& context) override;

 private:
  struct Snapshot {
    nlohmann::json raw;  // null when the Pipeline is missing
    api::ValidationErrors errors;
  };
  Snapshot TakeSnapshot(const api::PipelineRun& run);
  // The run named by spec.resumeFrom, when it may be resumed; otherwise an error on
  // spec.resumeFrom.name saying why (the run then fails with InvalidSpec).
  std::optional<api::PipelineRun> ReadResumeSource(const api::PipelineRun& run,
                                                   api::ValidationErrors* errors);
  kube::Result<nlohmann::json> GetCachedOrLive(kube::Informer& informer,
                                               const kube::GroupVersionResource& gvr, const std::string& ns,
                                               const std::string& name);
  kube::Status DeletePods(const api::PipelineRun& run, const engine::Plan& plan,
                          const kube::ReconcileContext& context);
  kube::Status CreatePods(const api::PipelineRun& run, const engine::PipelineSnapshot& snapshot,
                          const engine::Plan& plan, const std::set<std::string>& visible,
                          const kube::ReconcileContext& context);
  void Publish(const nlohmann::json& object, const api::PipelineRunStatus& before,
               const api::PipelineRunStatus& after, const engine::PipelineSnapshot& snapshot);
  // Pods this process created that the cache has not shown yet (controller-runtime's
  // "expectations"): a reconcile running on a lagging cache does not re-send their creates.
  bool Expected(const std::string& run_uid, const std::string& pod);
  void Expect(const std::string& run_uid, const std::string& pod);
  void Observed(const std::string& run_uid, const std::set<std::string>& visible, bool finished);
  // How much longer the run's first status write waits; zero when it is due (or this process did
  // not create the run's first pods).
  std::chrono::milliseconds FirstStatusWait(const std::string& run_uid);
  // Offers the run's terminated, not yet archived task pods to the log archiver.
  void OfferLogs(const api::PipelineRun& run, const api::S3ArtifactRepository& repository,
                 const std::vector<const nlohmann::json*>& pods);
  // The pods of a run that a look reads, by name.
  struct RunPods {
    std::vector<kube::ObjectPtr> pods;
    std::set<std::string> names;
    void Add(kube::ObjectPtr pod) {
      names.insert((*pod)["metadata"].value("name", ""));
      pods.push_back(std::move(pod));
    }
    std::vector<const nlohmann::json*> objects() const {
      std::vector<const nlohmann::json*> out;
      for (const auto& pod : pods) out.push_back(pod.get());
      return out;
    }
  };
  // The pods of the attempts the run's status has running (every pod of a finished run, to stop
  // stragglers), from the cache by their deterministic names.
  RunPods LivePods(const api::PipelineRun& run);
  // Adds the run's pod `name` from the cache when it exists (and is the run's); whether it does.
  bool FetchPod(const api::PipelineRun& run, const std::string& name, RunPods* pods);
  // Plans; a planned pod that already exists is adopted by fetching it and planning again.
  engine::Plan PlanAdoptingPods(const api::PipelineRun& run, engine::PlanInput input, RunPods* pods);

  std::shared_ptr<kube::Client> client_;
  kube::Informer& runs_;
  kube::Informer& pods_;
  kube::Informer& pipelines_;
  kube::Informer& templates_;
  kube::EventRecorder* events_;
  SeedControllerOptions options_;
  std::shared_ptr<RunMetrics> run_metrics_;  // null: none recorded
  std::unique_ptr<LogArchiver> log_archiver_;
  std::mutex mu_;
  std::unordered_map<std::string, std::set<std::string>> expected_pods_;   // run uid -> pod names
  std::set<std::string> claims_made_;                                      // run uids
  std::unordered_map<std::string, kube::Clock::TimePoint> first_pods_at_;  // run uid -> first pod create
  std::unordered_map<std::string, api::PipelineRunStatus> unrecorded_;  // run uid -> first status, unwritten
};

}  // namespace seed::controllers
