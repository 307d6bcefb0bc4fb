#include "engine/pipeline_check.h"

#include <date/tz.h>

#include "api/field_reader.h"
#include "api/template_expression.h"
#include "engine/cron.h"
#include "engine/when.h"

namespace seed::engine {

using nlohmann::json;

namespace {

void CheckOutputReferences(const std::string& text, const std::string& path, const api::PipelineSpec& spec,
                           const TemplateMap& templates, api::ValidationErrors* errors) {
  api::ParsedTemplate parsed = api::ParseTemplate(text);
  for (const auto& segment : parsed.segments) {
    if (!segment.reference) continue;
    const auto& p = segment.reference->path;
    if (!(p.size() == 4 && p[0] == "tasks" && p[2] == "outputs")) continue;
    const api::PipelineTask* task = spec.FindTask(p[1]);
    if (!task) continue;  // reported by the Pipeline's own validation
    auto found = templates.find(task->template_ref);
    if (found == templates.end()) continue;
    bool swept =
        task->sweep && (task->sweep->params.count(p[3]) || p[3] == "best_trial" || p[3] == "objectives");
    if (!found->second.FindOutput(p[3]) && !swept) {
      std::string known;
      for (const auto& output : found->second.outputs) known += (known.empty() ? "" : ", ") + output.name;
      errors->push_back({path, "task \"" + p[1] + "\" (JobTemplate " + task->template_ref +
                                   ") has no output \"" + p[3] +
                                   "\"; its outputs: " + (known.empty() ? "(none)" : known)});
    }
  }
}

// `text` with its {{pipeline.params.X}} references replaced from `values`; nullopt when it holds
// any other reference, a filter, or a param not in `values` (only known when the run starts).
std::optional<std::string> WithPipelineParams(const std::string& text,
                                              const std::map<std::string, std::string>& values) {
  if (text.find("{{") == std::string::npos) return std::nullopt;
  api::ParsedTemplate parsed = api::ParseTemplate(text);
  if (!parsed.error.empty()) return std::nullopt;
  std::string result;
  for (const auto& segment : parsed.segments) {
    if (!segment.reference) {
      result += segment.literal;
      continue;
    }
    const auto& path = segment.reference->path;
    if (path.size() != 3 || path[0] != "pipeline" || path[1] != "params" ||
        !segment.reference->filters.empty())
      return std::nullopt;
    auto found = values.find(path[2]);
    if (found == values.end() || found->second.find("{{") != std::string::npos) return std::nullopt;
    result += found->second;
  }
  return result;
}

std::map<std::string, std::string> PipelineDefaults(const api::PipelineSpec& spec) {
  std::map<std::string, std::string> defaults;
  for (const auto& param : spec.params) {
    if (param.default_value) defaults[param.name] = *param.default_value;
  }
  return defaults;
}

}  // namespace

void CheckParamsReachingTemplates(const api::PipelineSpec& spec, const TemplateMap& templates,
                                  const std::map<std::string, std::string>& values, const std::string& path,
                                  api::ValidationErrors* errors) {
  std::map<std::string, std::string> checked;  // unknown and ill-typed ones ResolveRunParams reports
  for (const auto& [name, value] : values) {
    const api::ParamSpec* own = spec.FindParam(name);
    if (own && !api::CheckParamValue(*own, value)) checked[name] = value;
  }
  for (const auto& task : spec.tasks) {
    auto tmpl = templates.find(task.template_ref);
    if (tmpl == templates.end()) continue;
    for (const auto& [name, text] : task.params) {
      const api::ParamSpec* param = tmpl->second.FindParam(name);
      if (!param) continue;
      auto value = WithPipelineParams(text, checked);
      if (!value) continue;
      auto problem = api::CheckParamValue(*param, *value);
      if (!problem) continue;
      std::string used;
      for (const auto& [key, given] : checked) {
        if (text.find("pipeline.params." + key) != std::string::npos)
          used += (used.empty() ? "" : ", ") + key;
      }
      errors->push_back({path + "." + used, "reaches param " + name + " of task " + task.name +
                                                " (JobTemplate " + task.template_ref + ", " +
                                                api::ParamTypeName(param->type) + ") through \"" + text +
                                                "\": " + *problem});
    }
  }
}

api::ValidationErrors CheckPipeline(const api::PipelineSpec& spec, const TemplateMap& templates,
                                    const std::string& path,
                                    const std::vector<std::string>* known_templates) {
  api::ValidationErrors errors;
  size_t main_index = 0;
  size_t finally_index = 0;
  for (size_t i = 0; i < spec.tasks.size(); ++i) {
    const api::PipelineTask& task = spec.tasks[i];
    std::string task_path = task.is_finally ? api::IndexPath(api::JoinPath(path, "finally"), finally_index++)
                                            : api::IndexPath(api::JoinPath(path, "tasks"), main_index++);
    for (const auto& [name, text] : task.params) {
      CheckOutputReferences(text, task_path + ".params." + name, spec, templates, &errors);
    }
    if (!task.when.empty()) {
      CheckOutputReferences(task.when, task_path + ".when", spec, templates, &errors);
      std::string problem = CheckWhenSyntax(task.when);
      if (!problem.empty()) errors.push_back({task_path + ".when", problem});
    }
    if (task.template_ref.empty()) continue;
    auto found = templates.find(task.template_ref);
    if (found == templates.end()) {
      std::string known;
      if (known_templates) {
        for (const auto& name : *known_templates) known += (known.empty() ? "" : ", ") + name;
      } else {
        for (const auto& [name, unused] : templates) known += (known.empty() ? "" : ", ") + name;
      }
      errors.push_back({task_path + ".templateRef.name",
                        "JobTemplate \"" + task.template_ref +
                            "\" not found; known templates: " + (known.empty() ? "(none)" : known)});
      continue;
    }
    const api::JobTemplateSpec& tmpl = found->second;
    if (task.sweep) {
      for (const auto& [name, values] : task.sweep->params) {
        std::string param_path = task_path + ".sweep.params." + name;
        const api::ParamSpec* param = tmpl.FindParam(name);
        if (!param) {
          errors.push_back(
              {param_path, "JobTemplate " + task.template_ref + " has no param \"" + name + "\""});
          continue;
        }
        for (size_t k = 0; k < values.size(); ++k) {
          auto text = api::ScalarText(values[k]);
          if (!text) continue;  // reported by the Pipeline's own validation
          if (auto problem = api::CheckParamValue(*param, *text))
            errors.push_back({api::IndexPath(param_path, k),
                              *problem + " (param " + name + " is " + api::ParamTypeName(param->type) + ")"});
        }
        if (tmpl.FindOutput(name))
          errors.push_back({param_path, "JobTemplate " + task.template_ref + " has an output named \"" +
                                            name + "\" too: a sweep reports its best params as outputs"});
      }
      const api::OutputSpec* objective = tmpl.FindOutput(task.sweep->objective);
      if (!task.sweep->objective.empty() && (!objective || objective->kind != api::OutputKind::kValue)) {
        errors.push_back(
            {task_path + ".sweep.objective.output",
             "\"" + task.sweep->objective + "\" is not a value output of JobTemplate " + task.template_ref});
      }
    }
    for (const auto& [name, value] : task.params) {
      const api::ParamSpec* param = tmpl.FindParam(name);
      if (!param) {
        std::string known;
        for (const auto& p : tmpl.params) known += (known.empty() ? "" : ", ") + p.name;
        errors.push_back(
            {task_path + ".params." + name, "JobTemplate " + task.template_ref + " has no param \"" + name +
                                                "\"; its params: " + (known.empty() ? "(none)" : known)});
        continue;
      }
      if (value.find("{{") == std::string::npos) {
        if (auto problem = api::CheckParamValue(*param, value)) {
          errors.push_back({task_path + ".params." + name, *problem + " (param " + name + " of JobTemplate " +
                                                               task.template_ref + " is " +
                                                               api::ParamTypeName(param->type) + ")"});
        }
      } else if (auto substituted = WithPipelineParams(value, PipelineDefaults(spec))) {
        // The pipeline params' defaults reach the typed param: check them now, not when the task starts.
        if (auto problem = api::CheckParamValue(*param, *substituted)) {
          errors.push_back({task_path + ".params." + name,
                            "the pipeline params' defaults reach it through \"" + value + "\": " + *problem +
                                " (param " + name + " of JobTemplate " + task.template_ref + " is " +
                                api::ParamTypeName(param->type) + ")"});
        }
      }
    }
    for (const auto& param : tmpl.params) {
      if (param.required && !task.params.count(param.name) &&
          !(task.sweep && task.sweep->params.count(param.name))) {
        errors.push_back({task_path + ".params", "missing required param \"" + param.name +
                                                     "\" of JobTemplate " + task.template_ref});
      }
    }
  }
  if (spec.schedule) {
    std::string error;
    if (!CronSchedule::Parse(spec.schedule->cron, &error)) {
      errors.push_back({api::JoinPath(path, "schedule.cron"), error});
    } else {
      const date::time_zone* zone = nullptr;
      try {
        zone = date::locate_zone(spec.schedule->time_zone);
      } catch (const std::exception&) {
      }
      auto cron = CronSchedule::Parse(spec.schedule->cron, &error);
      if (zone && !cron->Next(Seconds(std::chrono::seconds(1767225600)), zone)) {
        errors.push_back(
            {api::JoinPath(path, "schedule.cron"), "\"" + spec.schedule->cron + "\" never fires"});
      }
    }
  }
  return errors;
}

std::map<std::string, std::string> ResolveRunParams(const api::PipelineSpec& spec,
                                                    const std::map<std::string, std::string>& given,
                                                    const std::string& path, api::ValidationErrors* errors) {
  std::map<std::string, std::string> values;
  for (const auto& [name, value] : given) {
    const api::ParamSpec* param = spec.FindParam(name);
    if (!param) {
      std::string known;
      for (const auto& p : spec.params) known += (known.empty() ? "" : ", ") + p.name;
      errors->push_back({path + "." + name, "the pipeline has no param \"" + name +
                                                "\"; its params: " + (known.empty() ? "(none)" : known)});
      continue;
    }
    if (value.find("{{") == std::string::npos) {
      if (auto problem = api::CheckParamValue(*param, value)) {
        errors->push_back({path + "." + name, *problem + " (" + api::ParamTypeName(param->type) + " param)"});
      }
    }
    values[name] = value;
  }
  for (const auto& param : spec.params) {
    if (values.count(param.name) || given.count(param.name)) continue;
    if (param.default_value) {
      values[param.name] = *param.default_value;
    } else if (param.required) {
      errors->push_back(
          {path + "." + param.name, "is required: the pipeline param \"" + param.name + "\" has no default"});
    } else {
      values[param.name] = "";
    }
  }
  return values;
}

json MakeSnapshot(const json& pipeline_spec, const std::map<std::string, json>& template_specs) {
  json snapshot = {{"pipeline", pipeline_spec}, {"templates", json::object()}};
  for (const char* list : {"tasks", "finally"}) {
    if (!pipeline_spec.contains(list) || !pipeline_spec[list].is_array()) continue;
    for (const auto& task : pipeline_spec[list]) {
      std::string name = task.value("/templateRef/name"_json_pointer, json("")).is_string()
                             ? task.value("/templateRef/name"_json_pointer, json("")).get<std::string>()
                             : "";
      auto found = template_specs.find(name);
      if (found != template_specs.end()) snapshot["templates"][name] = found->second;
    }
  }
  return snapshot;
}

PipelineSnapshot ParseSnapshot(const json& raw, api::ValidationErrors* errors) {
  PipelineSnapshot snapshot;
  snapshot.raw = raw;
  if (!raw.is_object() || !raw.contains("pipeline")) {
    errors->push_back({"status.pipelineSpec", "missing pipeline snapshot"});
    return snapshot;
  }
  snapshot.pipeline = api::ParsePipelineSpec(raw["pipeline"], "spec", errors);
  if (raw.contains("templates") && raw["templates"].is_object()) {
    for (const auto& [name, spec] : raw["templates"].items()) {
      snapshot.templates[name] = api::ParseJobTemplateSpec(spec, "JobTemplate " + name + ": spec", errors);
    }
  }
  auto more = CheckPipeline(snapshot.pipeline, snapshot.templates, "spec");
  errors->insert(errors->end(), more.begin(), more.end());
  return snapshot;
}

}  // namespace seed::engine
