#pragma once
// Checks that need more than one object: a Pipeline against its JobTemplates (template and param
// names, param types, output references, `when` syntax, cron), and a run's params against the
// Pipeline. Everything here is rejected before any pod exists.
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/jobtemplate.h"
#include "api/pipeline.h"
#include "api/validation.h"

namespace seed::engine {

using Seconds = std::chrono::sys_seconds;

using TemplateMap = std::map<std::string, api::JobTemplateSpec>;

// `path` is the prefix of the pipeline spec ("spec"). A missing template's message lists
// `known_templates` (every JobTemplate in the namespace) when given, else the keys of `templates`.
api::ValidationErrors CheckPipeline(const api::PipelineSpec& spec, const TemplateMap& templates,
                                    const std::string& path = "spec",
                                    const std::vector<std::string>* known_templates = nullptr);

// Pipeline defaults overlaid with the run's params; unknown, missing and ill-typed values are
// errors under `path` (e.g. "spec.params"). Values are returned unsubstituted.
std::map<std::string, std::string> ResolveRunParams(const api::PipelineSpec& spec,
                                                    const std::map<std::string, std::string>& given,
                                                    const std::string& path, api::ValidationErrors* errors);

// Run-given pipeline param `values` that reach a typed JobTemplate param through
// {{pipeline.params.X}} (alone or within literal text, no filters) are checked against that param,
// so a bad value fails before any task starts; errors are under `path` + "." + the pipeline param.
// The pipeline's own defaults are checked by CheckPipeline.
void CheckParamsReachingTemplates(const api::PipelineSpec& spec, const TemplateMap& templates,
                                  const std::map<std::string, std::string>& values, const std::string& path,
                                  api::ValidationErrors* errors);

// The frozen copy of a pipeline and its templates a run executes (status.pipelineSpec).
struct PipelineSnapshot {
  api::PipelineSpec pipeline;
  TemplateMap templates;
  nlohmann::json raw;  // {pipeline: spec, templates: {name: spec}}
};

// Builds the snapshot from raw specs; only templates referenced by tasks are kept.
nlohmann::json MakeSnapshot(const nlohmann::json& pipeline_spec,
                            const std::map<std::string, nlohmann::json>& template_specs);
// Parses and checks a snapshot (errors use the paths of the original objects).
PipelineSnapshot ParseSnapshot(const nlohmann::json& raw, api::ValidationErrors* errors);

}  // namespace seed::engine
