#pragma once
// The Seed objects found in a set of manifests, each validated on its own and then together
// (templates referenced by pipelines, their params and outputs), as the operator would.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/jobtemplate.h"
#include "api/pipeline.h"
#include "api/pipelinerun.h"
#include "local/manifest.h"

namespace seed::local {

// One problem, located as precisely as the source allows.
struct Finding {
  std::string file;
  int line = 0;
  std::string object;  // "Pipeline/wind-day-ahead"
  std::string path;    // field path
  std::string message;
};

std::string FormatFinding(const Finding& finding);

struct ResourceSet {
  std::map<std::string, api::JobTemplate> templates;
  std::map<std::string, nlohmann::json> template_specs;  // raw specs for snapshots
  std::map<std::string, api::Pipeline> pipelines;
  std::map<std::string, nlohmann::json> pipeline_specs;
  std::vector<api::PipelineRun> runs;
  std::vector<Finding> findings;     // every error, not only the first
  std::vector<std::string> skipped;  // objects of other kinds, not checked here
};

ResourceSet BuildResourceSet(const std::vector<Manifest>& manifests);

// --pipeline NAME, else the only pipeline, else the one annotated seed.dev/default: "true".
// On failure returns nullptr and sets *error to what to do.
const api::Pipeline* SelectPipeline(const ResourceSet& set, const std::string& name, std::string* error);

}  // namespace seed::local
