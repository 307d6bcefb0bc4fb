#pragma once
// The Pod of one task attempt, exactly as the operator creates it (design "Child objects").
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/jobtemplate.h"
#include "api/pipeline.h"
#include "api/pipelinerun.h"

namespace seed::render {

inline constexpr char kResultsPath[] = "/seed/results.json";
inline constexpr char kWorkspaceMountPath[] = "/seed/workspace";

struct RenderOptions {
  std::string default_image = "seed-job:0.1.0";  // the operator's --job-image
};

struct TaskPodInput {
  api::ObjectMeta run;  // name, namespace, uid of the PipelineRun
  std::string pipeline_name;
  const api::PipelineSpec* pipeline = nullptr;  // podDefaults and workspace
  std::string task;
  int64_t attempt = 1;
  int64_t item = -1;  // >= 0: one item of a fanned-out task (label seed.dev/item, env SEED_ITEM)
  const api::JobTemplateSpec* spec = nullptr;  // argv already substituted
  std::optional<int64_t> active_deadline_seconds;
  std::string scheduled_time;  // RFC 3339, for SEED_SCHEDULED_TIME
};

nlohmann::json RenderTaskPod(const TaskPodInput& input, const RenderOptions& options);

// The restricted-profile security context Seed puts on every task container by default.
nlohmann::json DefaultContainerSecurityContext();

}  // namespace seed::render
