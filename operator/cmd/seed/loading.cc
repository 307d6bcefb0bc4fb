#include "loading.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "api/time_format.h"
#include "api/yaml_json.h"
#include "engine/schedule_decision.h"
#include "render/inference_service.h"

namespace seed::cli {

namespace {

// Parses the InferenceServices among `manifests` with the operator's checks; problems go to stderr.
size_t CheckInferenceServices(const std::vector<local::Manifest>& manifests, local::ResourceSet* set,
                              std::vector<LoadedInferenceService>* isvcs) {
  size_t problems = 0;
  std::vector<api::InferenceService> parsed;
  for (const auto& manifest : manifests) {
    const nlohmann::json& object = manifest.document.value;
    if (!object.is_object() || object.value("kind", nlohmann::json()) != "InferenceService" ||
        object.value("apiVersion", nlohmann::json()) != api::kApiVersion) {
      continue;
    }
    api::ValidationErrors errors;
    api::InferenceService isvc = api::ParseInferenceService(object, &errors);
    std::erase(set->skipped, "InferenceService/" + isvc.metadata.name);
    for (const auto& error : errors) {
      std::cerr << manifest.file << ":" << manifest.document.line << ": InferenceService/"
                << isvc.metadata.name << ": " << api::FormatError(error) << "\n";
      ++problems;
    }
    if (errors.empty()) isvcs->push_back({manifest.file, manifest.document.line, isvc});
  }
  // The operator's NameClash: two of them mapping to one stable name (the files' order stands in
  // for creation order).
  for (size_t i = 0; i < isvcs->size(); ++i) {
    const LoadedInferenceService& item = (*isvcs)[i];
    for (size_t j = 0; j < i; ++j) {
      const api::InferenceService& other = (*isvcs)[j].isvc;
      if (other.metadata.namespace_ != item.isvc.metadata.namespace_ ||
          render::InferenceServiceStableName(other.spec) !=
              render::InferenceServiceStableName(item.isvc.spec)) {
        continue;
      }
      std::cerr << item.file << ":" << item.line << ": InferenceService/" << item.isvc.metadata.name
                << ": its children would be named " << render::InferenceServiceStableName(item.isvc.spec)
                << ", as those of InferenceService/" << other.metadata.name
                << " (serviceType-model.name); the operator would give it a NameClash condition and no "
                   "children: change spec.serviceType or spec.model.name\n";
      ++problems;
      break;
    }
  }
  return problems;
}

// Applies each --patch file to `spec`; prints what is wrong and returns false on a bad file.
bool ApplyPatches(const std::vector<std::string>& patches, nlohmann::json* spec) {
  for (const auto& file : patches) {
    std::ifstream in(file);
    if (!in) {
      std::cerr << "--patch " << file << ": cannot read the file\n";
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    std::vector<api::YamlDocument> documents;
    try {
      documents = api::ParseYamlDocuments(text.str());
    } catch (const api::YamlSyntaxError& error) {
      std::cerr << file << ":" << error.line() << ": " << error.what() << "\n";
      return false;
    }
    if (documents.size() != 1 || !documents[0].value.is_object() || documents[0].value.size() != 1 ||
        !documents[0].value.contains("spec") || !documents[0].value["spec"].is_object()) {
      std::cerr << "--patch " << file
                << ": expected one document holding only a merge patch of the Pipeline's spec, e.g. "
                   "\"spec: {workspace: null, artifactRepository: {s3: {...}}}\"\n";
      return false;
    }
    spec->merge_patch(documents[0].value["spec"]);
  }
  return true;
}

}  // namespace

local::ResourceSet LoadAndReport(const std::vector<std::string>& paths, size_t* problem_count,
                                 std::vector<LoadedInferenceService>* isvcs) {
  std::vector<local::LoadProblem> problems;
  auto manifests = local::LoadManifests(paths, &problems);
  auto set = local::BuildResourceSet(manifests);
  for (const auto& problem : problems) {
    std::cerr << problem.file << (problem.line ? ":" + std::to_string(problem.line) : "") << ": "
              << problem.message << "\n";
  }
  for (const auto& finding : set.findings) std::cerr << local::FormatFinding(finding) << "\n";
  *problem_count = problems.size() + set.findings.size();
  if (isvcs) *problem_count += CheckInferenceServices(manifests, &set, isvcs);
  return set;
}

std::optional<local::ResourceSet> LoadValid(const std::vector<std::string>& paths,
                                            std::vector<LoadedInferenceService>* isvcs) {
  size_t problem_count = 0;
  auto set = LoadAndReport(paths, &problem_count, isvcs);
  if (problem_count > 0) return std::nullopt;
  return set;
}

std::optional<std::map<std::string, std::string>> ParseSets(const std::vector<std::string>& sets) {
  std::map<std::string, std::string> values;
  for (const auto& item : sets) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "--set " << item << ": write NAME=VALUE, e.g. --set station=wf01\n";
      return std::nullopt;
    }
    values[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return values;
}

std::optional<PreparedRun> PrepareRun(const local::ResourceSet& set, const std::string& pipeline_name,
                                      const std::vector<std::string>& sets, const std::string& run_name,
                                      const std::string& scheduled_time, const std::string& namespace_,
                                      const std::vector<std::string>& patches) {
  std::string error;
  const api::Pipeline* pipeline = local::SelectPipeline(set, pipeline_name, &error);
  if (!pipeline) {
    std::cerr << "seed: " << error << "\n";
    return std::nullopt;
  }
  auto params = ParseSets(sets);
  if (!params) return std::nullopt;
  PreparedRun prepared;
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  engine::Seconds when = now;
  if (!scheduled_time.empty()) {
    auto parsed = api::ParseRfc3339(scheduled_time);
    if (!parsed) {
      std::cerr << "--scheduled-time " << scheduled_time
                << ": not an RFC 3339 time such as 2026-11-22T00:15:00+08:00\n";
      return std::nullopt;
    }
    when = *parsed;
  }
  auto& run = prepared.run;
  run.metadata.name = run_name.empty() ? engine::ScheduledRunName(pipeline->metadata.name, when) : run_name;
  if (!api::IsDnsLabel(run.metadata.name)) {
    std::cerr << "--run-name " << run.metadata.name
              << ": use at most 63 lower-case letters, digits and '-'\n";
    return std::nullopt;
  }
  run.metadata.namespace_ = namespace_;
  run.metadata.uid = "00000000-0000-0000-0000-000000000000";
  run.metadata.generation = 1;
  run.metadata.creation_timestamp = now;
  run.spec.pipeline_ref = pipeline->metadata.name;
  run.spec.params = *params;
  run.spec.scheduled_time = when;
  nlohmann::json spec = set.pipeline_specs.at(pipeline->metadata.name);
  if (!ApplyPatches(patches, &spec)) return std::nullopt;
  prepared.snapshot = engine::ParseSnapshot(engine::MakeSnapshot(spec, set.template_specs), &prepared.errors);
  engine::ResolveRunParams(prepared.snapshot.pipeline, run.spec.params, "--set", &prepared.errors);
  engine::CheckParamsReachingTemplates(prepared.snapshot.pipeline, prepared.snapshot.templates, run.spec.params,
                                       "--set", &prepared.errors);
  if (!prepared.errors.empty()) {
    for (const auto& problem : prepared.errors) std::cerr << "seed: " << api::FormatError(problem) << "\n";
    return std::nullopt;
  }
  return prepared;
}

}  // namespace seed::cli
