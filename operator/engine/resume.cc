#include "engine/resume.h"

#include <set>

namespace seed::engine {

using api::TaskPhase;
using api::TaskStatus;
using nlohmann::json;

namespace {

// The finally tasks of a snapshot ({pipeline: {finally: [{name}, ...]}, templates}).
std::set<std::string> FinallyTasks(const json& snapshot) {
  std::set<std::string> names;
  const json finally_tasks = snapshot.is_object() ? snapshot.value("/pipeline/finally"_json_pointer, json()) : json();
  if (!finally_tasks.is_array()) return names;
  for (const auto& task : finally_tasks) {
    if (task.is_object() && task.contains("name") && task["name"].is_string()) names.insert(task["name"]);
  }
  return names;
}

}  // namespace

api::PipelineRunStatus ResumeStatus(const api::PipelineRunStatus& failed, const std::string& origin) {
  api::PipelineRunStatus status;
  status.pipeline_spec = failed.pipeline_spec;  // the same snapshot: the same tasks and templates
  // Finally tasks always run again: they report the resumed run's outcome, not the failed one's.
  const std::set<std::string> finally_tasks = FinallyTasks(failed.pipeline_spec);
  for (const auto& [name, was] : failed.tasks) {
    if (finally_tasks.count(name)) {
      status.tasks[name] = TaskStatus{};
      continue;
    }
    if (was.phase == TaskPhase::kSucceeded || was.phase == TaskPhase::kSkipped) {
      TaskStatus kept = was;
      if (kept.reused_from.empty()) kept.reused_from = origin;
      status.tasks[name] = std::move(kept);
      continue;
    }
    TaskStatus fresh;
    // A fan-out that got as far as its items keeps the succeeded and skipped ones (with their
    // values and origins) and runs the others again from their first attempt.
    if (was.items && !was.items->phases.empty() && was.phase != TaskPhase::kOmitted) {
      api::FanOutStatus items;
      for (size_t i = 0; i < was.items->phases.size(); ++i) {
        char letter = was.items->phases[i];
        bool kept = letter == api::ItemPhaseLetter(TaskPhase::kSucceeded) ||
                    letter == api::ItemPhaseLetter(TaskPhase::kSkipped);
        items.phases += kept ? letter : api::ItemPhaseLetter(TaskPhase::kPending);
        if (!kept) continue;
        auto had = was.items->reused_from.find(static_cast<int64_t>(i));
        std::string from = had != was.items->reused_from.end() ? had->second : origin;
        if (!from.empty()) items.reused_from[static_cast<int64_t>(i)] = from;
      }
      for (const auto& [output, values] : was.items->outputs) {
        json kept = json::array();
        for (size_t i = 0; i < values.size(); ++i) {
          bool reused =
              i < items.phases.size() && items.phases[i] != api::ItemPhaseLetter(TaskPhase::kPending);
          kept.push_back(reused ? values[i] : json());
        }
        items.outputs[output] = kept;
      }
      fresh.phase = TaskPhase::kRunning;
      fresh.items = std::move(items);
    }
    status.tasks[name] = std::move(fresh);
  }
  return status;
}

api::PipelineRunStatus ResumeFromRun(const api::PipelineRun& failed) {
  api::PipelineRunStatus status = ResumeStatus(failed.status, failed.metadata.name);
  api::ResumedFrom from;
  from.name = failed.metadata.name;
  if (failed.status.resumed_from) {  // a resumed run ran with what it took from its own origin
    from.params = failed.status.resumed_from->params;
    from.scheduled_time = failed.status.resumed_from->scheduled_time;
  } else {
    from.params = failed.spec.params;
    from.scheduled_time = failed.spec.scheduled_time;
    if (!from.scheduled_time) from.scheduled_time = failed.metadata.creation_timestamp;
    if (!from.scheduled_time) from.scheduled_time = failed.status.start_time;
  }
  status.resumed_from = std::move(from);
  return status;
}

std::optional<std::string> ResumeProblem(const api::PipelineRun& run, const api::PipelineRun& failed,
                                         const api::Workspace& failed_workspace) {
  const std::string what = "PipelineRun \"" + failed.metadata.name + "\"";
  if (failed.metadata.name == run.metadata.name) return "a run cannot resume itself; name the failed run";
  if (failed.spec.pipeline_ref != run.spec.pipeline_ref) {
    return what + " is a run of Pipeline \"" + failed.spec.pipeline_ref + "\", not \"" +
           run.spec.pipeline_ref + "\"; a run resumes a run of its own pipeline";
  }
  if (failed.status.phase == api::RunPhase::kSucceeded) {
    return what + " succeeded: there is nothing to resume (create a run without resumeFrom to run again)";
  }
  if (failed.status.phase != api::RunPhase::kFailed && failed.status.phase != api::RunPhase::kCancelled) {
    return what + " is " + api::RunPhaseName(failed.status.phase) +
           "; only a run that ended Failed or Cancelled can be resumed (cancel it with spec.cancel: true, "
           "or wait until it ends)";
  }
  if (failed.status.pipeline_spec.is_null()) {
    return what + " failed before it started (" +
           (failed.status.message.empty() ? std::string("no snapshot") : failed.status.message) +
           "): nothing to reuse; create a run without resumeFrom";
  }
  if (failed_workspace.kind == api::Workspace::Kind::kVolumeClaimTemplate) {
    return what + " kept its artifacts on a claim of its own (the Pipeline's workspace is a " +
           "volumeClaimTemplate), which another run cannot mount; to resume runs, give the Pipeline a "
           "shared " +
           "claim (spec.workspace.persistentVolumeClaim.claimName) and run it again";
  }
  return std::nullopt;
}

}  // namespace seed::engine
