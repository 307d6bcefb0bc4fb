#include <iostream>

#include "api/time_format.h"
#include "api/yaml_json.h"
#include "commands.h"
#include "engine/planner.h"
#include "loading.h"
#include "render/task_pod.h"
#include "render/workspace_pvc.h"

namespace seed::cli {

int RenderCommand(const RenderFlags& flags) {
  auto set = LoadValid(flags.paths);
  if (!set) return 2;
  auto prepared =
      PrepareRun(*set, flags.pipeline, flags.sets, flags.run_name, flags.scheduled_time, flags.namespace_);
  if (!prepared) return 2;
  engine::PlanInput input;
  input.run = prepared->run;
  input.snapshot = prepared->snapshot;
  input.now = *prepared->run.spec.scheduled_time;
  input.options.preview = true;
  engine::Plan plan = engine::PlanRun(input);
  bool failed = false;
  for (const auto& [task, status] : plan.status.tasks) {
    if (status.phase == api::TaskPhase::kFailed) {
      std::cerr << "seed: task " << task << ": " << status.message << "\n";
      failed = true;
    }
  }
  if (failed) return 2;
  const auto& pipeline_name = prepared->run.spec.pipeline_ref;
  if (auto claim =
          render::RenderWorkspaceClaim(prepared->run.metadata, pipeline_name, prepared->snapshot.pipeline)) {
    std::cout << "---\n" << api::JsonToYaml(*claim);
  }
  render::RenderOptions options;
  options.default_image = flags.job_image;
  for (const auto& launch : plan.create) {
    render::TaskPodInput pod;
    pod.run = prepared->run.metadata;
    pod.pipeline_name = pipeline_name;
    pod.pipeline = &prepared->snapshot.pipeline;
    pod.task = launch.task;
    pod.attempt = launch.attempt;
    pod.item = launch.item;
    pod.spec = &launch.spec;
    pod.active_deadline_seconds = launch.active_deadline_seconds;
    pod.scheduled_time = api::FormatRfc3339(launch.scheduled_time);
    std::cout << "---\n" << api::JsonToYaml(render::RenderTaskPod(pod, options));
  }
  return 0;
}

}  // namespace seed::cli
