#include "local/resource_set.h"

#include "engine/pipeline_check.h"

namespace seed::local {

using nlohmann::json;

std::string FormatFinding(const Finding& finding) {
  std::string text = finding.file;
  if (finding.line > 0) text += ":" + std::to_string(finding.line);
  if (!text.empty()) text += ": ";
  if (!finding.object.empty()) text += finding.object + ": ";
  if (!finding.path.empty()) text += finding.path + ": ";
  return text + finding.message;
}

namespace {

struct Source {
  const Manifest* manifest;
  std::string object;
};

void Record(std::vector<Finding>* findings, const Source& source, const api::ValidationErrors& errors) {
  for (const auto& error : errors) {
    findings->push_back({source.manifest->file, api::LineOf(source.manifest->document, error.path),
                         source.object, error.path, error.message});
  }
}

}  // namespace

ResourceSet BuildResourceSet(const std::vector<Manifest>& manifests) {
  ResourceSet set;
  std::map<std::string, Source> pipeline_sources;
  std::map<std::string, Source> seen;
  for (const auto& manifest : manifests) {
    const json& object = manifest.document.value;
    if (!object.is_object()) {
      set.findings.push_back({manifest.file, manifest.document.line, "", "",
                              "a document must be a Kubernetes object (a map with apiVersion and kind)"});
      continue;
    }
    auto text = [](const json& parent, const char* key) -> std::string {
      auto it = parent.find(key);
      return it != parent.end() && it->is_string() ? it->get<std::string>() : "";
    };
    std::string api_version = text(object, "apiVersion");
    std::string kind = text(object, "kind");
    auto metadata = object.find("metadata");
    std::string name = metadata != object.end() && metadata->is_object() ? text(*metadata, "name") : "";
    Source source{&manifest, kind + "/" + name};
    bool seed_kind = kind == "JobTemplate" || kind == "Pipeline" || kind == "PipelineRun";
    if (api_version.rfind("seed.dev/", 0) != 0 || !seed_kind) {
      if (api_version.rfind("seed.dev/", 0) == 0 && kind != "InferenceService") {
        set.findings.push_back({manifest.file, manifest.document.line, source.object, "kind",
                                "unknown Seed kind \"" + kind +
                                    "\": use JobTemplate, Pipeline, PipelineRun or InferenceService"});
      } else if (api_version.empty() || kind.empty()) {
        set.findings.push_back(
            {manifest.file, manifest.document.line, source.object, "",
             "apiVersion and kind are required, e.g. apiVersion: seed.dev/v1alpha1, kind: Pipeline"});
      } else {
        set.skipped.push_back(source.object);
      }
      continue;
    }
    if (!name.empty() && !seen.emplace(source.object, source).second) {
      set.findings.push_back({manifest.file, manifest.document.line, source.object, "metadata.name",
                              "defined twice (also in " + seen[source.object].manifest->file + ")"});
      continue;
    }
    api::ValidationErrors errors;
    if (kind == "JobTemplate") {
      auto tmpl = api::ParseJobTemplate(object, &errors);
      if (!name.empty()) {
        set.template_specs[name] = object.value("spec", json::object());
        set.templates[name] = std::move(tmpl);
      }
    } else if (kind == "Pipeline") {
      auto pipeline = api::ParsePipeline(object, &errors);
      if (!name.empty()) {
        set.pipeline_specs[name] = object.value("spec", json::object());
        set.pipelines[name] = std::move(pipeline);
        pipeline_sources.emplace(name, source);
      }
    } else {
      auto run = api::ParsePipelineRun(object, &errors);
      if (errors.empty()) set.runs.push_back(std::move(run));
    }
    Record(&set.findings, source, errors);
  }
  engine::TemplateMap templates;
  for (const auto& [name, tmpl] : set.templates) templates[name] = tmpl.spec;
  for (const auto& [name, pipeline] : set.pipelines) {
    Record(&set.findings, pipeline_sources.at(name), engine::CheckPipeline(pipeline.spec, templates, "spec"));
  }
  for (const auto& run : set.runs) {
    if (!set.pipelines.count(run.spec.pipeline_ref)) continue;  // may live in the cluster
    if (!run.spec.resume_from.empty()) continue;  // runs with the params of the run it resumes
    api::ValidationErrors errors;
    const api::PipelineSpec& spec = set.pipelines.at(run.spec.pipeline_ref).spec;
    engine::ResolveRunParams(spec, run.spec.params, "spec.params", &errors);
    engine::CheckParamsReachingTemplates(spec, templates, run.spec.params, "spec.params", &errors);
    Source source = seen.at("PipelineRun/" + run.metadata.name);
    Record(&set.findings, source, errors);
  }
  return set;
}

const api::Pipeline* SelectPipeline(const ResourceSet& set, const std::string& name, std::string* error) {
  std::string known;
  for (const auto& [key, unused] : set.pipelines) known += (known.empty() ? "" : ", ") + key;
  if (!name.empty()) {
    auto it = set.pipelines.find(name);
    if (it != set.pipelines.end()) return &it->second;
    *error = "no Pipeline named \"" + name + "\"; found: " + (known.empty() ? "(none)" : known);
    return nullptr;
  }
  if (set.pipelines.empty()) {
    *error = "no Pipeline found in the given files";
    return nullptr;
  }
  if (set.pipelines.size() == 1) return &set.pipelines.begin()->second;
  const api::Pipeline* chosen = nullptr;
  for (const auto& [key, pipeline] : set.pipelines) {
    auto it = pipeline.metadata.annotations.find("seed.dev/default");
    if (it == pipeline.metadata.annotations.end() || it->second != "true") continue;
    if (chosen) {
      *error = "several Pipelines are annotated seed.dev/default: \"true\"; choose one with --pipeline (" +
               known + ")";
      return nullptr;
    }
    chosen = &pipeline;
  }
  if (!chosen)
    *error = "several Pipelines found (" + known +
             "); choose one with --pipeline NAME or annotate one with seed.dev/default: \"true\"";
  return chosen;
}

}  // namespace seed::local
