#include "controllers/pipeline_reconciler.h"

#include <algorithm>

#include "api/pipelinerun.h"
#include "controllers/reconcile_rules.h"
#include "controllers/requeue.h"
#include "controllers/resources.h"
#include "controllers/run_records.h"
#include "engine/pipeline_check.h"
#include "kube/store.h"
#include "render/labels.h"

namespace seed::controllers {
namespace {

using nlohmann::json;

// When the reconcile that created runs looks again if no watch event has brought it back first.
constexpr std::chrono::milliseconds kStatusFollowUp{1000};

bool OwnedBy(const json& object, const std::string& uid) { return kube::ControllerOwnerUid(object) == uid; }

// The reason of a Valid=False condition and its Event: the schedule's own reasons
// (docs/troubleshooting.md) when the schedule is what is wrong, else InvalidSpec.
std::string InvalidReason(const api::ValidationErrors& errors) {
  for (const auto& error : errors) {
    if (error.path.rfind("spec.schedule.timeZone", 0) == 0) return "UnknownTimeZone";
  }
  for (const auto& error : errors) {
    if (error.path.rfind("spec.schedule.cron", 0) == 0) return "InvalidSchedule";
  }
  return "InvalidSpec";
}

std::string JoinErrors(const api::ValidationErrors& errors) {
  std::string message;
  for (const auto& error : errors) message += (message.empty() ? "" : "; ") + api::FormatError(error);
  if (message.size() > 4000) message = message.substr(0, 3997) + "...";
  return message;
}

// A Warning Event when the Valid condition turns False or its message changes, so `kubectl
// describe` and `kubectl get events` show the problem soon after `kubectl apply`.
void AddInvalidEvent(const api::PipelineStatus& before, const api::PipelineStatus& after,
                     std::vector<engine::ScheduleEvent>* events) {
  auto find = [](const api::PipelineStatus& status) -> const api::Condition* {
    for (const auto& condition : status.conditions) {
      if (condition.type == "Valid") return &condition;
    }
    return nullptr;
  };
  const api::Condition* now = find(after);
  if (!now || now->status != "False") return;
  const api::Condition* was = find(before);
  if (was && was->status == now->status && was->message == now->message) return;
  for (const auto& event : *events) {
    if (event.reason == now->reason) return;  // the schedule's own Event says it already
  }
  events->push_back({"Warning", now->reason, now->message});
}

}  // namespace

bool PipelineMayDependOn(const json& pipeline, const std::string& template_name) {
  const json* tasks = pipeline.contains("spec") ? &pipeline["spec"] : nullptr;
  for (const char* list : {"tasks", "finally"}) {
    if (!tasks || !tasks->is_object() || !tasks->contains(list) || !(*tasks)[list].is_array()) continue;
    for (const auto& task : (*tasks)[list]) {
      if (task.is_object() && task.value("/templateRef/name"_json_pointer, json("")) == json(template_name))
        return true;
    }
  }
  const json conditions = pipeline.value("/status/conditions"_json_pointer, json::array());
  for (const auto& condition : conditions) {
    if (condition.is_object() && condition.value("type", "") == "Valid")
      return condition.value("status", "") != "True";
  }
  return true;
}

PipelineReconciler::PipelineReconciler(std::shared_ptr<kube::Client> client, kube::Informer& pipelines,
                                       kube::Informer& runs, kube::Informer& templates,
                                       kube::EventRecorder* events, SeedControllerOptions options)
    : client_(std::move(client)),
      pipelines_(pipelines),
      runs_(runs),
      templates_(templates),
      events_(events),
      options_(std::move(options)) {}

kube::Result<std::vector<engine::RunRecord>> PipelineReconciler::LiveRuns(const json& pipeline, bool fresh) {
  const std::string uid = pipeline["metadata"].value("uid", "");
  std::vector<engine::RunRecord> records;
  if (!fresh) {
    for (const auto& run : runs_.store().ByIndex(kube::kIndexControllerOwner, uid)) {
      records.push_back(RunRecordFromObject(*run));
    }
    return records;
  }
  kube::ListOptions list;
  list.label_selector = std::string(render::kPipelineLabel) + "=" + pipeline["metadata"].value("name", "");
  auto listed = client_->ListAll(PipelineRunsResource(), pipeline["metadata"].value("namespace", ""), list);
  if (!listed.ok()) return listed.error();
  for (const auto& run : listed->value("items", json::array())) {
    if (OwnedBy(run, uid)) records.push_back(RunRecordFromObject(run));
  }
  return records;
}

void PipelineReconciler::SetValidCondition(const api::Pipeline& pipeline, engine::Seconds now,
                                           api::PipelineStatus* status) {
  engine::TemplateMap templates;
  api::ValidationErrors errors;
  std::vector<std::string> known;  // every JobTemplate of the namespace, as `seed validate` lists them
  for (const auto& cached : templates_.store().ByIndex(kube::kIndexNamespace, pipeline.metadata.namespace_))
    known.push_back((*cached)["metadata"].value("name", ""));
  std::sort(known.begin(), known.end());
  for (const auto& task : pipeline.spec.tasks) {
    if (templates.count(task.template_ref)) continue;
    auto cached = templates_.store().Get(kube::MakeKey(pipeline.metadata.namespace_, task.template_ref));
    if (!cached) continue;          // CheckPipeline names the missing template
    api::ValidationErrors ignored;  // the JobTemplate's own problems are on its own Valid condition
    templates[task.template_ref] =
        api::ParseJobTemplateSpec(cached->value("spec", json::object()), "spec", &ignored);
  }
  errors = engine::CheckPipeline(pipeline.spec, templates, "spec", &known);
  api::SetCondition(
      &status->conditions,
      {"Valid", errors.empty() ? "True" : "False", errors.empty() ? "Valid" : InvalidReason(errors),
       errors.empty() ? "the pipeline and its templates are valid" : JoinErrors(errors), now,
       pipeline.metadata.generation});
}

kube::Result<kube::ReconcileResult> PipelineReconciler::Reconcile(const kube::ReconcileContext& context) {
  kube::ObjectPtr cached = pipelines_.store().Get(context.key());
  if (!cached || (*cached)["metadata"].contains("deletionTimestamp")) return kube::ReconcileResult{};
  json object = *cached;
  kube::Clock& clock = *options_.clock;
  bool fresh = false;

  for (int round = 0; round < kMaxConflictRetries; ++round) {
    const engine::Seconds now = NowSeconds(clock);
    api::ValidationErrors errors;
    api::Pipeline pipeline = api::ParsePipeline(object, &errors);
    pipeline.metadata.namespace_ = context.ns();
    api::PipelineStatus status = api::PipelineStatusFromJson(object.value("status", json::object()));
    {
      std::lock_guard lock(mu_);
      auto it = scheduled_.find(pipeline.metadata.uid);
      if (it != scheduled_.end() && (!status.last_schedule_time || *status.last_schedule_time < it->second)) {
        status.last_schedule_time = it->second;
      }
    }
    auto runs = LiveRuns(object, fresh);
    if (!runs.ok()) return runs.error();

    engine::ScheduleDecision decision;
    if (errors.empty()) {
      decision = engine::DecideSchedule({pipeline.metadata.name, pipeline.metadata.creation_timestamp,
                                         pipeline.metadata.generation, pipeline.spec, status, *runs, now});
      if (!fresh && (!decision.create.empty() || !decision.cancel.empty()) && pipeline.spec.schedule &&
          pipeline.spec.schedule->concurrency_policy != api::ConcurrencyPolicy::kAllow) {
        // Forbid and Replace act on "what is active": decide again on what the server has now.
        auto live = client_->Get(PipelinesResource(), context.ns(), context.name());
        if (!live.ok())
          return kube::IsNotFound(live.error()) ? kube::Result<kube::ReconcileResult>(kube::ReconcileResult{})
                                                : live.error();
        object = std::move(*live);
        fresh = true;
        continue;
      }
    } else {
      decision.status = status;
      decision.status.observed_generation = pipeline.metadata.generation;
      api::SetCondition(&decision.status.conditions, {"Valid", "False", InvalidReason(errors),
                                                      JoinErrors(errors), now, pipeline.metadata.generation});
      AddInvalidEvent(status, decision.status, &decision.events);
    }

    for (const auto& name : decision.cancel) {
      auto patched = client_->Patch(PipelineRunsResource(), context.ns(), name, kube::PatchType::kMerge,
                                    json{{"spec", {{"cancel", true}}}});
      if (!patched.ok() && !kube::IsNotFound(patched.error())) return patched.error();
    }
    for (const auto& scheduled : decision.create) {
      auto created = client_->Create(PipelineRunsResource(), context.ns(),
                                     ScheduledRunObject(pipeline.metadata, pipeline.spec, scheduled));
      if (!created.ok() && !kube::IsAlreadyExists(created.error())) return created.error();
      if (created.ok()) context.Info("created run " + scheduled.name);
      std::lock_guard lock(mu_);
      auto& newest = scheduled_[pipeline.metadata.uid];
      newest = std::max(newest, scheduled.scheduled_time);
    }
    if (!decision.create.empty()) {
      // Creates first: the status, the history cleanup and the Events follow in the reconcile that
      // the new run's watch event queues behind every other Pipeline due now (see the header).
      std::lock_guard lock(mu_);
      auto& pending = pending_events_[pipeline.metadata.uid];
      pending.insert(pending.end(), decision.events.begin(), decision.events.end());
      kube::ReconcileResult follow_up;
      follow_up.requeue_after = kStatusFollowUp;
      follow_up.due = false;  // a backstop, not a scheduled time: it never goes ahead of due runs
      return follow_up;
    }

    // Only now: a pass that creates runs returns above without writing the status, and the
    // templates' check is the costliest part of a reconcile at a scheduled time.
    if (errors.empty()) {
      SetValidCondition(pipeline, now, &decision.status);
      AddInvalidEvent(status, decision.status, &decision.events);
    }
    json new_status = api::PipelineStatusToJson(decision.status);
    bool status_changed = new_status != object.value("status", json());
    if (status_changed && decision.create.empty() && decision.cancel.empty() &&
        engine::CanWaitForNextScheduleWrite(
            api::PipelineStatusFromJson(object.value("status", json::object())), decision.status, now)) {
      status_changed =
          false;  // runs finishing: the next scheduled time's write, due within a minute, carries it
    }
    if (status_changed) {
      json updated = object;
      updated["status"] = new_status;
      auto written = client_->ReplaceStatus(PipelinesResource(), context.ns(), updated);
      if (!written.ok()) {
        if (!kube::IsConflict(written.error())) return written.error();
        auto live = client_->Get(PipelinesResource(), context.ns(), context.name());
        if (!live.ok())
          return kube::IsNotFound(live.error()) ? kube::Result<kube::ReconcileResult>(kube::ReconcileResult{})
                                                : live.error();
        object = std::move(*live);
        continue;
      }
    }
    // History limits: only after the status that records the newest scheduled time is written.
    for (const auto& name : decision.remove) {
      kube::DeleteOptions options;
      options.propagation_policy = "Background";
      auto deleted = client_->Delete(PipelineRunsResource(), context.ns(), name, options);
      if (!deleted.ok() && !kube::IsNotFound(deleted.error())) return deleted.error();
    }
    std::vector<engine::ScheduleEvent> events;
    {
      std::lock_guard lock(mu_);
      auto pending = pending_events_.find(pipeline.metadata.uid);
      if (pending != pending_events_.end()) {
        events = std::move(pending->second);
        pending_events_.erase(pending);
      }
    }
    bool acted = status_changed || !decision.cancel.empty() || !decision.remove.empty();
    if (acted) events.insert(events.end(), decision.events.begin(), decision.events.end());
    if (events_ && options_.record_events) {
      for (const auto& event : events)
        events_->Publish(object, event.type, event.reason, "Schedule", event.message);
    }
    if (!decision.requeue_at) return kube::ReconcileResult{};
    return RequeueAt(decision.requeue_at, clock, options_.max_requeue);
  }
  return kube::MakeError(kube::ErrorCode::kApi, "pipeline status write kept conflicting after " +
                                                    std::to_string(kMaxConflictRetries) + " fresh reads");
}

}  // namespace seed::controllers
