#include "controllers/run_records.h"

#include <date/tz.h>

#include "api/pipelinerun.h"
#include "api/time_format.h"
#include "render/labels.h"

namespace seed::controllers {

using nlohmann::json;

engine::RunRecord RunRecordFromObject(const json& run) {
  engine::RunRecord record;
  const json metadata = run.value("metadata", json::object());
  const json spec = run.value("spec", json::object());
  const json status = run.value("status", json::object());
  record.name = metadata.value("name", "");
  record.phase = api::ParseRunPhase(status.value("phase", "Pending")).value_or(api::RunPhase::kPending);
  record.scheduled_time = api::TimeField(spec, "scheduledTime");
  record.start_time = api::TimeField(status, "startTime");
  record.completion_time = api::TimeField(status, "completionTime");
  record.creation_time = api::TimeField(metadata, "creationTimestamp");
  record.cancel_requested = spec.value("cancel", false);
  return record;
}

json ScheduledRunObject(const api::ObjectMeta& pipeline, const api::PipelineSpec& spec,
                        const engine::ScheduledRun& scheduled) {
  std::string annotation = api::FormatRfc3339(scheduled.scheduled_time);
  if (spec.schedule) {
    try {
      annotation = api::FormatRfc3339In(scheduled.scheduled_time, date::locate_zone(spec.schedule->time_zone));
    } catch (const std::exception&) {
      // The scheduler never creates a run for an unknown zone; UTC keeps this total.
    }
  }
  json labels = {{render::kManagedByLabel, render::kManagedBy},
                 {render::kPartOfLabel, render::kPartOf},
                 {render::kPipelineLabel, pipeline.name}};
  json metadata = {{"name", scheduled.name},
                   {"labels", labels},
                   {"annotations", {{api::kScheduledTimeAnnotation, annotation}}},
                   {"ownerReferences", json::array({render::ControllerReference("Pipeline", pipeline)})}};
  if (!pipeline.namespace_.empty()) metadata["namespace"] = pipeline.namespace_;
  return {{"apiVersion", api::kApiVersion},
          {"kind", "PipelineRun"},
          {"metadata", metadata},
          {"spec", {{"pipelineRef", {{"name", pipeline.name}}}, {"scheduledTime", api::FormatRfc3339(scheduled.scheduled_time)}}}};
}

}  // namespace seed::controllers
