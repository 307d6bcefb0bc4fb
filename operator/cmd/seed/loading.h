#pragma once
// Shared by the subcommands: load files, report findings, build the run to execute or render.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/inference_service.h"
#include "api/pipelinerun.h"
#include "engine/pipeline_check.h"
#include "local/resource_set.h"

namespace seed::cli {

// An InferenceService found in the files, with where it came from.
struct LoadedInferenceService {
  std::string file;
  int line = 0;
  api::InferenceService isvc;
};

// Loads and validates; prints every problem to stderr and returns how many there were. When
// `isvcs` is given, InferenceServices are checked as the operator checks them (the spec, and a
// stable-name clash between two of them) and returned there instead of counted as skipped.
local::ResourceSet LoadAndReport(const std::vector<std::string>& paths, size_t* problem_count,
                                 std::vector<LoadedInferenceService>* isvcs = nullptr);

// LoadAndReport, nullopt when there was any problem.
std::optional<local::ResourceSet> LoadValid(const std::vector<std::string>& paths,
                                            std::vector<LoadedInferenceService>* isvcs = nullptr);

// Parses --set k=v flags; prints an error and returns nullopt on a malformed one.
std::optional<std::map<std::string, std::string>> ParseSets(const std::vector<std::string>& sets);

// A PipelineRun object for `pipeline` as the operator would see it, and its snapshot.
struct PreparedRun {
  api::PipelineRun run;
  engine::PipelineSnapshot snapshot;
  api::ValidationErrors errors;
};
// `patches`: files holding a JSON merge patch (RFC 7386) of the Pipeline, `{spec: {...}}` in YAML or
// JSON, applied in order before the run is checked (what `kubectl patch --type merge --patch-file`
// does in a cluster), e.g. to swap the workspace for an artifact repository.
std::optional<PreparedRun> PrepareRun(const local::ResourceSet& set, const std::string& pipeline_name,
                                      const std::vector<std::string>& sets, const std::string& run_name,
                                      const std::string& scheduled_time, const std::string& namespace_,
                                      const std::vector<std::string>& patches = {});

}  // namespace seed::cli
