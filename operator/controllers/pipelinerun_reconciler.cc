#include "controllers/pipelinerun_reconciler.h"

#include <algorithm>

#include "api/time_format.h"
#include "controllers/observed_attempts.h"
#include "controllers/reconcile_rules.h"
#include "controllers/requeue.h"
#include "controllers/resources.h"
#include "controllers/run_events.h"
#include "controllers/workspace_claim.h"
#include "engine/pipeline_check.h"
#include "kube/store.h"
#include "render/labels.h"
#include "render/log_archive_path.h"
#include "render/names.h"
#include "render/task_pod.h"
#include "render/workspace_pvc.h"

namespace seed::controllers {
namespace {

using nlohmann::json;

// How long the first status of a run waits after its first pods were created (the Kubernetes Job
// controller batches pod updates for one second too): a run whose pods finish by then gets one
// status write, its final one.
constexpr std::chrono::milliseconds kFirstStatusDelay{1000};

}  // namespace

PipelineRunReconciler::PipelineRunReconciler(std::shared_ptr<kube::Client> client, kube::Informer& runs,
                                             kube::Informer& pods, kube::Informer& pipelines,
                                             kube::Informer& templates, kube::EventRecorder* events,
                                             SeedControllerOptions options,
                                             std::shared_ptr<RunMetrics> run_metrics)
    : client_(std::move(client)),
      runs_(runs),
      pods_(pods),
      pipelines_(pipelines),
      templates_(templates),
      events_(events),
      options_(std::move(options)),
      run_metrics_(std::move(run_metrics)),
      log_archiver_(options_.archive_logs ? std::make_unique<LogArchiver>(client_) : nullptr) {}

void PipelineRunReconciler::OfferLogs(const api::PipelineRun& run,
                                      const api::S3ArtifactRepository& repository,
                                      const std::vector<const json*>& pods) {
  for (const json* pod : pods) {
    const json& meta = (*pod)["metadata"];
    const std::string phase = pod->value("status", json::object()).value("phase", "");
    if (phase != "Succeeded" && phase != "Failed") continue;
    if (meta.value("annotations", json::object()).contains(render::kLogArchivedAnnotation)) continue;
    const json labels = meta.value("labels", json::object());
    const std::string task = labels.value(render::kTaskLabel, "");
    if (task.empty()) continue;
    int64_t attempt = 1, item = -1;
    try {
      attempt = std::stoll(labels.value(render::kAttemptLabel, "1"));
      if (labels.contains(render::kItemLabel)) item = std::stoll(labels.value(render::kItemLabel, "-1"));
    } catch (const std::exception&) {
      continue;  // not a pod of ours
    }
    std::string results;
    for (const auto& container :
         pod->value("status", json::object()).value("containerStatuses", json::array())) {
      if (container.value("name", "") == "main")
        results = container.value("/state/terminated/message"_json_pointer, std::string());
    }
    log_archiver_->Offer(
        {run.metadata.namespace_, meta.value("name", ""), meta.value("uid", ""),
         render::LogArchiveDir(api::ArtifactRoot(repository), run.metadata.name, task, item, attempt),
         results, repository});
  }
}

kube::Result<json> PipelineRunReconciler::GetCachedOrLive(kube::Informer& informer,
                                                          const kube::GroupVersionResource& gvr,
                                                          const std::string& ns, const std::string& name) {
  if (auto cached = informer.store().Get(kube::MakeKey(ns, name))) return *cached;
  return client_->Get(gvr, ns, name);  // not cached yet: ask the API server, never guess
}

PipelineRunReconciler::Snapshot PipelineRunReconciler::TakeSnapshot(const api::PipelineRun& run) {
  Snapshot snapshot;
  const std::string& ns = run.metadata.namespace_;
  auto pipeline = GetCachedOrLive(pipelines_, PipelinesResource(), ns, run.spec.pipeline_ref);
  if (!pipeline.ok()) {
    snapshot.errors.push_back(
        {"spec.pipelineRef.name",
         "Pipeline \"" + run.spec.pipeline_ref + "\" " +
             (kube::IsNotFound(pipeline.error()) ? "does not exist in namespace " + ns
                                                 : "could not be read: " + pipeline.error().message)});
    return snapshot;
  }
  json pipeline_spec = pipeline->value("spec", json::object());
  if (!pipeline_spec.is_object()) pipeline_spec = json::object();
  std::map<std::string, json> template_specs;
  json tasks = pipeline_spec.value("tasks", json::array());
  json finally_tasks = pipeline_spec.value("finally", json::array());
  if (!tasks.is_array()) tasks = json::array();
  if (finally_tasks.is_array()) tasks.insert(tasks.end(), finally_tasks.begin(), finally_tasks.end());
  for (const auto& task : tasks) {
    // Malformed entries are reported by ParseSnapshot with their field paths.
    if (!task.is_object() || !task.contains("templateRef") || !task["templateRef"].is_object()) continue;
    const json& ref = task["templateRef"];
    std::string name = ref.contains("name") && ref["name"].is_string() ? ref["name"].get<std::string>() : "";
    if (name.empty() || template_specs.count(name)) continue;
    auto tmpl = GetCachedOrLive(templates_, JobTemplatesResource(), ns, name);
    if (tmpl.ok()) template_specs[name] = tmpl->value("spec", json::object());
    // A missing template is reported by ParseSnapshot with the task that names it.
  }
  // The operator's default repository is pinned in the run's snapshot like the rest of the spec, so
  // changing the operator's configuration never moves the artifacts of a run that has started.
  if (!options_.default_artifact_repository.is_null() && !pipeline_spec.contains("artifactRepository") &&
      !pipeline_spec.contains("workspace")) {
    pipeline_spec["artifactRepository"] = options_.default_artifact_repository;
  }
  snapshot.raw = engine::MakeSnapshot(pipeline_spec, template_specs);
  return snapshot;
}

std::optional<api::PipelineRun> PipelineRunReconciler::ReadResumeSource(const api::PipelineRun& run,
                                                                        api::ValidationErrors* errors) {
  const std::string& ns = run.metadata.namespace_;
  const std::string& name = run.spec.resume_from;
  auto object = GetCachedOrLive(runs_, PipelineRunsResource(), ns, name);
  if (!object.ok()) {
    errors->push_back({"spec.resumeFrom.name",
                       "PipelineRun \"" + name + "\" " +
                           (kube::IsNotFound(object.error())
                                ? "does not exist in namespace " + ns +
                                      " (a run resumes a Failed or Cancelled run of its own namespace)"
                                : "could not be read: " + object.error().message)});
    return std::nullopt;
  }
  api::ValidationErrors ignored;  // the failed run's own spec problems are its own
  api::PipelineRun failed = api::ParsePipelineRun(*object, &ignored);
  failed.metadata.namespace_ = ns;
  api::Workspace workspace;
  if (!failed.status.pipeline_spec.is_null()) {
    api::ValidationErrors snapshot_errors;
    workspace = engine::ParseSnapshot(failed.status.pipeline_spec, &snapshot_errors).pipeline.workspace;
  }
  if (auto problem = engine::ResumeProblem(run, failed, workspace)) {
    errors->push_back({"spec.resumeFrom.name", *problem});
    return std::nullopt;
  }
  return failed;
}

bool PipelineRunReconciler::Expected(const std::string& run_uid, const std::string& pod) {
  std::lock_guard lock(mu_);
  auto it = expected_pods_.find(run_uid);
  return it != expected_pods_.end() && it->second.count(pod);
}

void PipelineRunReconciler::Expect(const std::string& run_uid, const std::string& pod) {
  std::lock_guard lock(mu_);
  expected_pods_[run_uid].insert(pod);
}

void PipelineRunReconciler::Observed(const std::string& run_uid, const std::set<std::string>& visible,
                                     bool finished) {
  std::lock_guard lock(mu_);
  if (finished) {
    expected_pods_.erase(run_uid);
    claims_made_.erase(run_uid);
    first_pods_at_.erase(run_uid);
    unrecorded_.erase(run_uid);
    return;
  }
  auto it = expected_pods_.find(run_uid);
  if (it == expected_pods_.end()) return;
  for (const auto& name : visible) it->second.erase(name);
  if (it->second.empty()) expected_pods_.erase(it);
}

kube::Status PipelineRunReconciler::DeletePods(const api::PipelineRun& run, const engine::Plan& plan,
                                               const kube::ReconcileContext& context) {
  for (const auto& stop : plan.remove) {
    std::string name = render::TaskPodName(run.metadata.name, stop.task, stop.item, stop.attempt);
    kube::DeleteOptions options;
    options.propagation_policy = "Background";
    auto deleted = client_->Delete(kube::PodsResource(), run.metadata.namespace_, name, options);
    if (!deleted.ok() && !kube::IsNotFound(deleted.error())) return deleted.error();
    if (deleted.ok()) context.Info("deleted pod " + name + " (" + stop.reason + ")");
  }
  return {};
}

kube::Status PipelineRunReconciler::CreatePods(const api::PipelineRun& run,
                                               const engine::PipelineSnapshot& snapshot,
                                               const engine::Plan& plan, const std::set<std::string>& visible,
                                               const kube::ReconcileContext& context) {
  if (plan.create.empty()) return {};
  const std::string& ns = run.metadata.namespace_;
  bool claim_made;
  {
    std::lock_guard lock(mu_);
    claim_made = claims_made_.count(run.metadata.uid) > 0;
  }
  if (!claim_made) {
    if (auto claim = render::RenderWorkspaceClaim(run.metadata, run.spec.pipeline_ref, snapshot.pipeline)) {
      auto created = client_->Create(PersistentVolumeClaimsResource(), ns, *claim);
      if (!created.ok() && !kube::IsAlreadyExists(created.error())) return created.error();
    }
    std::lock_guard lock(mu_);
    claims_made_.insert(run.metadata.uid);
  }
  render::RenderOptions render_options;
  render_options.default_image = options_.job_image;
  for (const auto& launch : plan.create) {
    std::string name = render::TaskPodName(run.metadata.name, launch.task, launch.item, launch.attempt);
    if (visible.count(name) || Expected(run.metadata.uid, name)) continue;
    render::TaskPodInput input;
    input.run = run.metadata;
    input.pipeline_name = run.spec.pipeline_ref;
    input.pipeline = &snapshot.pipeline;
    input.task = launch.task;
    input.attempt = launch.attempt;
    input.item = launch.item;
    input.spec = &launch.spec;
    input.active_deadline_seconds = launch.active_deadline_seconds;
    input.scheduled_time = api::FormatRfc3339(launch.scheduled_time);  // UTC, as seed run and render
    auto created = client_->Create(kube::PodsResource(), ns, render::RenderTaskPod(input, render_options));
    if (!created.ok() && !kube::IsAlreadyExists(created.error())) return created.error();
    if (created.ok()) context.Debug("created pod " + name);
    Expect(run.metadata.uid, name);
  }
  return {};
}

std::chrono::milliseconds PipelineRunReconciler::FirstStatusWait(const std::string& run_uid) {
  std::lock_guard lock(mu_);
  auto it = first_pods_at_.find(run_uid);
  if (it == first_pods_at_.end())
    return std::chrono::milliseconds::zero();  // e.g. after a restart: write now
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(options_.clock->Now() - it->second);
  if (waited >= kFirstStatusDelay) {
    first_pods_at_.erase(it);
    return std::chrono::milliseconds::zero();
  }
  return kFirstStatusDelay - waited;
}

PipelineRunReconciler::RunPods PipelineRunReconciler::LivePods(const api::PipelineRun& run) {
  RunPods pods;
  if (api::IsTerminal(run.status.phase)) {  // stragglers of a finished run: every pod of it
    for (auto& pod : pods_.store().ByIndex(kube::kIndexControllerOwner, run.metadata.uid))
      pods.Add(std::move(pod));
    return pods;
  }
  // Only the attempts the status has running: a finished item's pod is never read again, so a look
  // costs O(running pods) rather than O(pods of the run) (a 1,000-item run is looked at ~1,500 times).
  for (const auto& [task, status] : run.status.tasks) {
    if (status.items) {
      for (const auto& [item, state] : status.items->live) {
        if (item < static_cast<int64_t>(status.items->phases.size()) &&
            status.items->phases[item] == api::ItemPhaseLetter(api::TaskPhase::kRunning))
          FetchPod(run, render::TaskPodName(run.metadata.name, task, item, state.attempt), &pods);
      }
    } else if (status.phase == api::TaskPhase::kRunning && status.attempt > 0) {
      FetchPod(run, render::TaskPodName(run.metadata.name, task, status.attempt), &pods);
    }
  }
  return pods;
}

bool PipelineRunReconciler::FetchPod(const api::PipelineRun& run, const std::string& name, RunPods* pods) {
  if (pods->names.count(name)) return true;
  kube::ObjectPtr pod = pods_.store().Get(kube::MakeKey(run.metadata.namespace_, name));
  // A pod of that name owned by another object (say, a deleted run of the same name) is not ours.
  if (!pod || kube::ControllerOwnerUid(*pod) != run.metadata.uid) return false;
  pods->Add(std::move(pod));
  return true;
}

engine::Plan PipelineRunReconciler::PlanAdoptingPods(const api::PipelineRun& run, engine::PlanInput input,
                                                     RunPods* pods) {
  engine::Plan plan = engine::PlanRun(input);
  // A launch whose pod already exists was started before the status recorded it (the first status
  // waits for the pods, or the operator died in between): plan again from the launched status, so
  // the planner reads that pod now. Each pass adopts at least one pod, so this ends.
  for (size_t pass = 0; pass <= plan.create.size() + pods->names.size(); ++pass) {
    bool adopted = false;
    for (const auto& launch : plan.create) {
      adopted |= FetchPod(
          run, render::TaskPodName(run.metadata.name, launch.task, launch.item, launch.attempt), pods);
    }
    if (!adopted) break;
    input.observed = ObserveTaskPods(pods->objects());
    input.run.status = plan.status;
    plan = engine::PlanRun(input);
  }
  return plan;
}

void PipelineRunReconciler::Publish(const json& object, const api::PipelineRunStatus& before,
                                    const api::PipelineRunStatus& after,
                                    const engine::PipelineSnapshot& snapshot) {
  if (!events_ || !options_.record_events) return;
  for (const auto& event : RunStatusEvents(before, after, engine::TopologicalOrder(snapshot.pipeline))) {
    events_->Publish(object, event.type, event.reason, "Reconcile", event.message);
  }
}

kube::Result<kube::ReconcileResult> PipelineRunReconciler::Reconcile(const kube::ReconcileContext& context) {
  kube::ObjectPtr cached = runs_.store().Get(context.key());
  if (!cached || BeingDeleted(*cached)) return kube::ReconcileResult{};
  json object = *cached;
  kube::Clock& clock = *options_.clock;

  for (int round = 0; round < kMaxConflictRetries; ++round) {
    api::ValidationErrors errors;
    api::PipelineRun run = api::ParsePipelineRun(object, &errors);
    run.metadata.namespace_ = context.ns();
    const api::PipelineRunStatus before = run.status;
    const bool recorded = object.value("status", json::object()).contains("phase");
    if (!recorded) {
      // Plan on from the status this process planned but has not written yet (same snapshot, same
      // task start times, so timeouts count from the first look).
      std::lock_guard lock(mu_);
      if (auto it = unrecorded_.find(run.metadata.uid); it != unrecorded_.end()) run.status = it->second;
    }

    json raw = run.status.pipeline_spec;
    std::optional<api::PipelineRun> resume_from;
    if (raw.is_null() && errors.empty() && !api::IsTerminal(run.status.phase)) {
      if (!run.spec.resume_from.empty()) {
        // A resumed run runs what the failed run ran: its snapshot, with its outcomes reused.
        resume_from = ReadResumeSource(run, &errors);
        if (resume_from) raw = resume_from->status.pipeline_spec;
      } else {
        Snapshot taken = TakeSnapshot(run);
        raw = taken.raw;
        errors.insert(errors.end(), taken.errors.begin(), taken.errors.end());
      }
    }
    engine::PipelineSnapshot snapshot;
    if (!raw.is_null()) snapshot = engine::ParseSnapshot(raw, &errors);

    RunPods pods = LivePods(run);
    if (const auto& repository = snapshot.pipeline.artifact_repository;
        log_archiver_ && repository && repository->s3) {
      // Every pod of the run, not only the running attempts a look reads: a pod that ended while
      // this process was down must still reach the archive.
      std::vector<const json*> all_pods;
      const auto owned = pods_.store().ByIndex(kube::kIndexControllerOwner, run.metadata.uid);
      for (const auto& pod : owned) all_pods.push_back(pod.get());
      OfferLogs(run, *repository->s3, all_pods);
    }
    engine::PlanInput input{run, snapshot, errors, ObserveTaskPods(pods.objects()), NowSeconds(clock), {}};
    input.options.workspace_root =
        api::ArtifactRootOr(snapshot.pipeline.artifact_repository, options_.workspace_root);
    input.options.backoff = options_.backoff;
    input.resume_from = std::move(resume_from);
    engine::Plan plan = PlanAdoptingPods(run, std::move(input), &pods);
    const std::set<std::string>& visible = pods.names;
    const std::vector<const json*> pod_objects = pods.objects();
    for (auto& [task, status] : plan.status.tasks) {
      // A reused task keeps the pod name of the run it came from.
      if (status.attempt > 0 && status.reused_from.empty())
        status.pod_name = render::TaskPodName(run.metadata.name, task, status.attempt);
    }

    if (auto deleted = DeletePods(run, plan, context); !deleted.ok()) return deleted.error();

    const bool finished = api::IsTerminal(plan.status.phase);
    // A workspace claim that stays unbound keeps every pod Pending: say so (condition and Event).
    if (auto claim = WorkspaceClaimName(run.metadata.name, snapshot.pipeline.workspace); claim && !finished) {
      UpdateWorkspaceCondition(*claim, ObserveWorkspaceClaim(pod_objects), NowSeconds(clock),
                               run.metadata.generation, &plan.status);
    }
    // Against the stored status: the first status may have been planned (and kept) a look earlier.
    const bool claim_turned_pending = ClaimPending(plan.status) && !ClaimPending(before);
    if (!recorded && !finished) {
      // The first look: pods first, the status a moment later (see the header).
      Observed(run.metadata.uid, visible, false);
      if (auto created = CreatePods(run, snapshot, plan, visible, context); !created.ok())
        return created.error();
      if (!plan.create.empty()) {
        std::lock_guard lock(mu_);
        first_pods_at_.try_emplace(run.metadata.uid, clock.Now());
      }
      if (auto wait = FirstStatusWait(run.metadata.uid); wait > std::chrono::milliseconds::zero()) {
        {
          std::lock_guard lock(mu_);
          unrecorded_[run.metadata.uid] = plan.status;
        }
        kube::ReconcileResult result = RequeueAt(plan.requeue_at, clock, options_.max_requeue);
        result.requeue_after = std::min(result.requeue_after, wait);
        return result;
      }
    }

    json status = api::PipelineRunStatusToJson(plan.status);
    if (status != object.value("status", json())) {
      json updated = object;
      updated["status"] = status;
      auto written = client_->ReplaceStatus(PipelineRunsResource(), context.ns(), updated);
      if (!written.ok()) {
        if (!kube::IsConflict(written.error())) return written.error();
        // Our cache (or another writer) was behind: plan again on the object as it is now.
        auto fresh = client_->Get(PipelineRunsResource(), context.ns(), context.name());
        if (!fresh.ok()) {
          if (kube::IsNotFound(fresh.error())) return kube::ReconcileResult{};
          return fresh.error();
        }
        object = std::move(*fresh);
        continue;
      }
      if (!recorded) {
        std::lock_guard lock(mu_);
        unrecorded_.erase(run.metadata.uid);
      }
      // Tasks reused from the run this one resumes did not run here: no Events or metrics for them.
      api::PipelineRunStatus baseline = before;
      for (const auto& [name, task] : plan.status.tasks) {
        if (!task.reused_from.empty()) baseline.tasks.try_emplace(name, task);
      }
      Publish(object, baseline, plan.status, snapshot);
      if (claim_turned_pending && events_ && options_.record_events) {
        for (const auto& condition : plan.status.conditions) {
          if (condition.type == kWorkspaceCondition)
            events_->Publish(object, "Warning", "WorkspaceClaimPending", "Reconcile", condition.message);
        }
      }
      if (run_metrics_) run_metrics_->Record(context.ns(), run.spec.pipeline_ref, baseline, plan.status);
    }

    Observed(run.metadata.uid, visible, finished);
    if (!finished) {
      if (auto created = CreatePods(run, snapshot, plan, visible, context); !created.ok())
        return created.error();
    }
    if (!plan.requeue_at && finished) return kube::ReconcileResult{};
    return RequeueAt(plan.requeue_at, clock, options_.max_requeue);
  }
  return kube::MakeError(kube::ErrorCode::kApi, "status write kept conflicting after " +
                                                    std::to_string(kMaxConflictRetries) + " fresh reads");
}

}  // namespace seed::controllers
