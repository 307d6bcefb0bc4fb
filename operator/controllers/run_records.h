#pragma once
// What the scheduler reads of a PipelineRun object, and the PipelineRun object it creates for a
// scheduled time. Pure.
#include <nlohmann/json.hpp>
#include <string>

#include "api/pipeline.h"
#include "engine/schedule_decision.h"

namespace seed::controllers {

engine::RunRecord RunRecordFromObject(const nlohmann::json& run);

// A scheduled run: deterministic name, labels, controller ownerReference to the Pipeline,
// spec.scheduledTime and the scheduled-time annotation (in the schedule's time zone).
nlohmann::json ScheduledRunObject(const api::ObjectMeta& pipeline, const api::PipelineSpec& spec,
                                  const engine::ScheduledRun& scheduled);

}  // namespace seed::controllers
