#include <algorithm>
#include <iostream>
#include <optional>

#include "api/time_format.h"
#include "api/yaml_json.h"
#include "commands.h"
#include "engine/planner.h"
#include "loading.h"
#include "render/inference_service.h"
#include "render/task_pod.h"
#include "render/workspace_pvc.h"

namespace seed::cli {

namespace {

// --gateway-parent-ref [NAMESPACE/]NAME[/SECTION], as seed-operator reads it.
std::optional<nlohmann::json> ParentRefs(const std::vector<std::string>& values) {
  nlohmann::json refs = nlohmann::json::array();
  for (const auto& value : values) {
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
      const size_t slash = value.find('/', start);
      parts.push_back(value.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    if (parts.size() > 3 ||
        std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.empty(); })) {
      std::cerr
          << "--gateway-parent-ref " << value
          << ": expected NAME, NAMESPACE/NAME or NAMESPACE/NAME/SECTION (e.g. gateway-system/seed-gateway)\n";
      return std::nullopt;
    }
    nlohmann::json ref = parts.size() == 1 ? nlohmann::json{{"name", parts[0]}}
                                           : nlohmann::json{{"namespace", parts[0]}, {"name", parts[1]}};
    if (parts.size() == 3) ref["sectionName"] = parts[2];
    refs.push_back(ref);
  }
  return refs;
}

// The children the operator creates for each InferenceService in the steady state (its version
// owning all traffic), in the order it creates them.
int RenderInferenceServices(const std::vector<LoadedInferenceService>& isvcs, const RenderFlags& flags) {
  auto refs = ParentRefs(flags.gateway_parent_refs);
  if (!refs) return 2;
  render::InferenceServiceOptions options;
  options.default_image = flags.job_image;
  options.gateway_api_available = flags.gateway_api;
  options.gateway_parent_refs = *refs;
  bool found = false;
  for (const auto& loaded : isvcs) {
    if (!flags.inference_service.empty() && loaded.isvc.metadata.name != flags.inference_service) continue;
    found = true;
    api::InferenceService isvc = loaded.isvc;
    if (isvc.metadata.namespace_.empty()) isvc.metadata.namespace_ = flags.namespace_;
    isvc.metadata.uid = "00000000-0000-0000-0000-000000000000";
    const render::InferenceServiceChildren children = render::RenderInferenceService(isvc, options);
    for (const nlohmann::json* child : {&children.deployment, &children.version_service, &children.service,
                                        &children.external_service, &children.hpa, &children.route}) {
      if (child->is_object()) std::cout << "---\n" << api::JsonToYaml(*child);
    }
  }
  if (!found) {
    std::cerr << "seed: no InferenceService " << flags.inference_service << " in the files\n";
    return 2;
  }
  return 0;
}

}  // namespace

int RenderCommand(const RenderFlags& flags) {
  std::vector<LoadedInferenceService> isvcs;
  auto set = LoadValid(flags.paths, &isvcs);
  if (!set) return 2;
  // InferenceServices unless a Pipeline is asked for; a Pipeline's run when the files have one.
  if (!isvcs.empty() && flags.pipeline.empty()) {
    if (int code = RenderInferenceServices(isvcs, flags); code != 0) return code;
    if (set->pipelines.empty() || !flags.inference_service.empty()) return 0;
  } else if (!flags.inference_service.empty()) {
    std::cerr << "seed: no InferenceService " << flags.inference_service << " in the files\n";
    return 2;
  }
  auto prepared = PrepareRun(*set, flags.pipeline, flags.sets, flags.run_name, flags.scheduled_time,
                             flags.namespace_, flags.patches);
  if (!prepared) return 2;
  engine::PlanInput input;
  input.run = prepared->run;
  input.snapshot = prepared->snapshot;
  input.now = *prepared->run.spec.scheduled_time;
  input.options.preview = true;
  input.options.workspace_root =
      api::ArtifactRootOr(prepared->snapshot.pipeline.artifact_repository, render::kWorkspaceMountPath);
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
