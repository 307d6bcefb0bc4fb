#include "admission/object_check.h"

#include "api/inference_service.h"
#include "api/jobtemplate.h"
#include "api/pipeline.h"
#include "api/pipelinerun.h"
#include "engine/pipeline_check.h"

namespace seed::admission {
namespace {

using nlohmann::json;

// The JobTemplates the pipeline's tasks name that exist and parse; others are left out.
engine::TemplateMap ExistingTemplates(const api::PipelineSpec& spec, const std::string& ns,
                                      const ClusterLookup& lookup) {
  engine::TemplateMap templates;
  for (const auto& task : spec.tasks) {
    if (task.template_ref.empty() || templates.count(task.template_ref)) continue;
    auto stored = lookup.job_template ? lookup.job_template(ns, task.template_ref) : std::nullopt;
    if (!stored || !stored->is_object()) continue;
    api::ValidationErrors ignored;  // a broken template is its own object's problem
    auto parsed = api::ParseJobTemplate(*stored, &ignored);
    if (ignored.empty()) templates[task.template_ref] = std::move(parsed.spec);
  }
  return templates;
}

api::ValidationErrors CheckPipeline(const json& object, const std::string& ns, const ClusterLookup& lookup) {
  api::ValidationErrors errors;
  auto pipeline = api::ParsePipeline(object, &errors);
  const engine::TemplateMap templates = ExistingTemplates(pipeline.spec, ns, lookup);
  for (auto& error : engine::CheckPipeline(pipeline.spec, templates, "spec")) {
    // A template that is not there yet: reported by the Pipeline's Valid condition if it never comes.
    bool missing_template = false;
    for (size_t i = 0; i < pipeline.spec.tasks.size() && !missing_template; ++i) {
      const auto& ref = pipeline.spec.tasks[i].template_ref;
      missing_template = error.path == api::IndexPath("spec.tasks", i) + ".templateRef.name" &&
                         !ref.empty() && !templates.count(ref);
    }
    if (!missing_template) errors.push_back(std::move(error));
  }
  return errors;
}

api::ValidationErrors CheckPipelineRun(const json& object, const std::string& ns,
                                       const ClusterLookup& lookup) {
  api::ValidationErrors errors;
  auto run = api::ParsePipelineRun(object, &errors);
  if (!errors.empty() || !lookup.pipeline) return errors;
  auto stored = lookup.pipeline(ns, run.spec.pipeline_ref);
  if (!stored || !stored->is_object()) return errors;  // the run's status will say so
  api::ValidationErrors pipeline_errors;
  auto pipeline = api::ParsePipeline(*stored, &pipeline_errors);
  if (!pipeline_errors.empty()) return errors;
  engine::ResolveRunParams(pipeline.spec, run.spec.params, "spec.params", &errors);
  engine::CheckParamsReachingTemplates(pipeline.spec, ExistingTemplates(pipeline.spec, ns, lookup),
                                       run.spec.params, "spec.params", &errors);
  return errors;
}

}  // namespace

api::ValidationErrors CheckObject(const json& object, const std::string& ns, const ClusterLookup& lookup) {
  api::ValidationErrors errors;
  if (!object.is_object()) return {{"", "the object must be a map"}};
  auto kind = object.find("kind");
  if (kind == object.end() || !kind->is_string()) return {{"kind", "is required"}};
  if (*kind == "JobTemplate") {
    api::ParseJobTemplate(object, &errors);
  } else if (*kind == "Pipeline") {
    errors = CheckPipeline(object, ns, lookup);
  } else if (*kind == "PipelineRun") {
    errors = CheckPipelineRun(object, ns, lookup);
  } else if (*kind == "InferenceService") {
    api::ParseInferenceService(object, &errors);
  }
  return errors;
}

}  // namespace seed::admission
