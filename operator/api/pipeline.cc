#include "api/pipeline.h"

#include <date/tz.h>

#include <algorithm>
#include <functional>
#include <set>

#include "api/field_reader.h"
#include "api/find_by_name.h"
#include "api/template_expression.h"
#include "api/time_format.h"

namespace seed::api {

using nlohmann::json;

const PipelineTask* PipelineSpec::FindTask(const std::string& name) const { return FindByName(tasks, name); }

const ParamSpec* PipelineSpec::FindParam(const std::string& name) const { return FindByName(params, name); }

const char* ConcurrencyPolicyName(ConcurrencyPolicy policy) {
  switch (policy) {
    case ConcurrencyPolicy::kAllow:
      return "Allow";
    case ConcurrencyPolicy::kForbid:
      return "Forbid";
    case ConcurrencyPolicy::kReplace:
      return "Replace";
  }
  return "Allow";
}

const char* CatchupPolicyName(CatchupPolicy policy) {
  switch (policy) {
    case CatchupPolicy::kNone:
      return "None";
    case CatchupPolicy::kLatest:
      return "Latest";
    case CatchupPolicy::kAll:
      return "All";
  }
  return "Latest";
}

namespace {

std::optional<Sweep> ParseSweep(const json& value, const std::string& path, ValidationErrors* errors) {
  Sweep sweep;
  FieldReader reader(value, path, errors);
  if (const json* params = reader.Object("params", true)) {
    if (params->empty())
      reader.Error("params", "must name at least one template param with the values to try");
    size_t combinations = 1;
    for (const auto& [name, values] : params->items()) {
      std::string param_path = JoinPath(reader.PathOf("params"), name);
      if (!values.is_array() || values.empty()) {
        errors->push_back({param_path, "must be a non-empty list of values to try, e.g. [200, 500]"});
        continue;
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!ScalarText(values[i]))
          errors->push_back({IndexPath(param_path, i), "must be a string, number or boolean"});
      }
      combinations = std::min<size_t>(combinations * values.size(), kMaxItems + 1);
      sweep.params[name] = values.get<std::vector<json>>();
    }
    std::string strategy = reader.String("strategy").value_or("grid");
    if (strategy == "grid") {
      sweep.strategy = Sweep::Strategy::kGrid;
    } else if (strategy == "random") {
      sweep.strategy = Sweep::Strategy::kRandom;
    } else {
      reader.Error("strategy", "\"" + strategy + "\" is not allowed: use grid or random");
    }
    sweep.trials = reader.Integer("trials");
    if (sweep.trials && (*sweep.trials < 1 || *sweep.trials > static_cast<int64_t>(kMaxItems)))
      reader.Error("trials", "must be between 1 and " + std::to_string(kMaxItems));
    if (sweep.strategy == Sweep::Strategy::kRandom && !sweep.trials)
      reader.Error("trials", "is required with strategy: random (how many combinations to try)");
    if (sweep.strategy == Sweep::Strategy::kGrid && !sweep.trials && combinations > kMaxItems)
      reader.Error("params", "the grid has more than " + std::to_string(kMaxItems) +
                                 " combinations: use strategy: random with trials: N");
    sweep.seed = reader.Integer("seed").value_or(0);
    if (const json* objective = reader.Object("objective", true)) {
      FieldReader objective_reader(*objective, reader.PathOf("objective"), errors);
      sweep.objective = objective_reader.String("output", true).value_or("");
      std::string goal = objective_reader.String("goal").value_or("minimize");
      if (goal != "minimize" && goal != "maximize")
        objective_reader.Error("goal", "\"" + goal + "\" is not allowed: use minimize or maximize");
      sweep.minimize = goal == "minimize";
      objective_reader.Finish();
    }
  }
  reader.Finish();
  return sweep;
}

std::optional<std::vector<int64_t>> ParseRetryOn(FieldReader& reader, ValidationErrors* errors) {
  if (!reader.Has("retryOn")) {
    reader.Raw("retryOn");
    return std::nullopt;
  }
  std::vector<int64_t> codes;
  const json* list = reader.Array("retryOn");
  for (size_t i = 0; list && i < list->size(); ++i) {
    const json& code = (*list)[i];
    if (!code.is_number_integer() || code.get<int64_t>() < 1 || code.get<int64_t>() > 255) {
      errors->push_back({IndexPath(reader.PathOf("retryOn"), i), "must be an exit code from 1 to 255"});
      continue;
    }
    codes.push_back(code.get<int64_t>());
  }
  return codes;
}

// Checks the references of one task expression and collects the tasks it reads outputs of.
// An {{item...}} reference of a task: allowed only when the task fans out; with literal items,
// every item must have the fields named.
void CheckItemReference(const ExpressionReference& ref, const std::string& path, const PipelineTask& task,
                        ValidationErrors* errors) {
  if (!task.FansOut()) {
    errors->push_back({path, ref.text + " is only defined in a task with withItems or withParam"});
    return;
  }
  if (!task.with_items || ref.path.size() < 2) return;
  for (size_t i = 0; i < task.with_items->size(); ++i) {
    const json* value = &(*task.with_items)[i];
    for (size_t k = 1; k < ref.path.size(); ++k) {
      if (!value->is_object() || !value->contains(ref.path[k])) {
        errors->push_back({path, ref.text + ": item " + std::to_string(i) + " (" +
                                     (*task.with_items)[i].dump() + ") has no field \"" + ref.path[k] +
                                     "\""});
        return;
      }
      value = &(*value)[ref.path[k]];
    }
  }
}

void CheckTaskExpression(const std::string& text, const std::string& path, const PipelineSpec& spec,
                         const std::set<std::string>& task_names, std::vector<std::string>* referenced,
                         ValidationErrors* errors, const PipelineTask* task = nullptr) {
  ParsedTemplate parsed = ParseTemplate(text);
  if (!parsed.error.empty()) {
    errors->push_back({path, parsed.error});
    return;
  }
  for (const auto& segment : parsed.segments) {
    if (!segment.reference) continue;
    const auto& ref = *segment.reference;
    const auto& p = ref.path;
    bool time = p.size() == 2 && p[0] == "run" && p[1] == "scheduledTime";
    if (!ref.filters.empty() && !time) {
      errors->push_back({path, "filters apply only to run.scheduledTime, not to " + JoinReference(p)});
    }
    if (p.size() == 3 && p[0] == "pipeline" && p[1] == "params") {
      if (!spec.FindParam(p[2])) {
        std::string known;
        for (const auto& param : spec.params) known += (known.empty() ? "" : ", ") + param.name;
        errors->push_back({path, "unknown pipeline param \"" + p[2] + "\" in " + ref.text +
                                     "; declared under spec.params: " + (known.empty() ? "(none)" : known)});
      }
    } else if (p.size() == 2 && p[0] == "run" && (p[1] == "status" || p[1] == "failures") && task) {
      if (!task->is_finally)
        errors->push_back({path, ref.text + " is only defined in a finally task (spec.finally), which runs "
                                            "once every task of spec.tasks ended"});
    } else if (p[0] == "item" && task) {
      CheckItemReference(ref, path, *task, errors);
    } else if (p.size() == 4 && p[0] == "tasks" && p[2] == "outputs") {
      if (!task_names.count(p[1])) {
        errors->push_back({path, "unknown task \"" + p[1] + "\" in " + ref.text});
      } else {
        referenced->push_back(p[1]);
      }
    } else if (!(p.size() == 1 && p[0] == "workspace") &&
               !(p.size() == 2 && p[0] == "run" && (p[1] == "name" || p[1] == "namespace" || time))) {
      errors->push_back(
          {path, "unknown reference " + ref.text +
                     ": a pipeline task may use "
                     "{{pipeline.params.X}}, {{tasks.T.outputs.Y}}, {{workspace}}, {{run.name}}, "
                     "{{run.namespace}}, {{run.scheduledTime}} and, in a fanned-out task, {{item}}"});
    }
  }
}

std::optional<Schedule> ParseSchedule(const json& value, const std::string& path, ValidationErrors* errors) {
  Schedule schedule;
  FieldReader reader(value, path, errors);
  schedule.cron = reader.String("cron", true).value_or("");
  schedule.time_zone = reader.String("timeZone").value_or("UTC");
  try {
    date::locate_zone(schedule.time_zone);
  } catch (const std::exception&) {
    reader.Error("timeZone", "\"" + schedule.time_zone +
                                 "\" is not an IANA time zone: use a name such as "
                                 "Asia/Shanghai, Europe/Berlin or UTC");
  }
  std::string concurrency = reader.String("concurrencyPolicy").value_or("Allow");
  if (concurrency == "Allow")
    schedule.concurrency_policy = ConcurrencyPolicy::kAllow;
  else if (concurrency == "Forbid")
    schedule.concurrency_policy = ConcurrencyPolicy::kForbid;
  else if (concurrency == "Replace")
    schedule.concurrency_policy = ConcurrencyPolicy::kReplace;
  else
    reader.Error("concurrencyPolicy", "\"" + concurrency + "\" is not allowed: use Allow, Forbid or Replace");
  schedule.starting_deadline_seconds = reader.Integer("startingDeadlineSeconds");
  if (schedule.starting_deadline_seconds && *schedule.starting_deadline_seconds < 1) {
    reader.Error("startingDeadlineSeconds", "must be at least 1");
  }
  std::string catchup = reader.String("catchup").value_or("Latest");
  if (catchup == "None")
    schedule.catchup = CatchupPolicy::kNone;
  else if (catchup == "Latest")
    schedule.catchup = CatchupPolicy::kLatest;
  else if (catchup == "All")
    schedule.catchup = CatchupPolicy::kAll;
  else
    reader.Error("catchup", "\"" + catchup + "\" is not allowed: use None, Latest or All");
  schedule.max_catchup_runs = reader.Integer("maxCatchupRuns").value_or(100);
  if (schedule.max_catchup_runs < 1 || schedule.max_catchup_runs > 1000) {
    reader.Error("maxCatchupRuns", "must be between 1 and 1000");
  }
  schedule.suspend = reader.Bool("suspend").value_or(false);
  reader.Finish();
  return schedule;
}

Workspace ParseWorkspace(const json& value, const std::string& path, ValidationErrors* errors) {
  Workspace workspace;
  FieldReader reader(value, path, errors);
  const json* claim_template = reader.Object("volumeClaimTemplate");
  const json* claim = reader.Object("persistentVolumeClaim");
  if (claim_template && claim) {
    errors->push_back({path, "set either volumeClaimTemplate or persistentVolumeClaim, not both"});
  } else if (claim_template) {
    workspace.kind = Workspace::Kind::kVolumeClaimTemplate;
    workspace.volume_claim_template = *claim_template;
    std::string template_path = reader.PathOf("volumeClaimTemplate");
    if (!claim_template->contains("spec") || !(*claim_template)["spec"].is_object()) {
      errors->push_back({template_path + ".spec",
                         "is required: a PersistentVolumeClaim spec with accessModes and "
                         "resources.requests.storage"});
    } else {
      const json& claim_spec = (*claim_template)["spec"];
      auto storage = claim_spec.value("/resources/requests/storage"_json_pointer, json());
      auto text = ScalarText(storage);
      if (!text || !IsQuantity(*text)) {
        errors->push_back(
            {template_path + ".spec.resources.requests.storage", "is required: a size such as 1Gi"});
      }
    }
  } else if (claim) {
    workspace.kind = Workspace::Kind::kPersistentVolumeClaim;
    FieldReader claim_reader(*claim, reader.PathOf("persistentVolumeClaim"), errors);
    workspace.claim_name = claim_reader.String("claimName", true).value_or("");
    if (!workspace.claim_name.empty() && !IsDnsSubdomain(workspace.claim_name)) {
      claim_reader.Error("claimName", "\"" + workspace.claim_name + "\" is not a valid claim name");
    }
    claim_reader.Finish();
  } else {
    errors->push_back({path, "set volumeClaimTemplate or persistentVolumeClaim (or leave workspace out)"});
  }
  reader.Finish();
  return workspace;
}

PodDefaults ParsePodDefaults(const json& value, const std::string& path, ValidationErrors* errors) {
  PodDefaults defaults;
  FieldReader reader(value, path, errors);
  if (const json* v = reader.Object("nodeSelector")) defaults.node_selector = *v;
  if (const json* v = reader.Array("tolerations")) defaults.tolerations = *v;
  if (const json* v = reader.Array("volumes")) defaults.volumes = *v;
  if (const json* v = reader.Array("volumeMounts")) defaults.volume_mounts = *v;
  defaults.pod = ReadPodSettings(reader, errors);
  if (const json* v = reader.Array("env")) {
    defaults.env = *v;
    for (size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
        errors->push_back({IndexPath(reader.PathOf("env"), i), "must be an object with a name and a value"});
      }
    }
  }
  reader.Finish();
  return defaults;
}

// Reports the first cycle found as "a -> b -> a".
void CheckCycles(const PipelineSpec& spec, const std::string& path, ValidationErrors* errors) {
  std::map<std::string, int> state;  // 0 unvisited, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<bool(const std::string&)> visit = [&](const std::string& name) {
    const PipelineTask* task = spec.FindTask(name);
    if (!task) return false;
    state[name] = 1;
    stack.push_back(name);
    for (const auto& dep : task->dependencies) {
      if (state[dep] == 1) {
        std::string cycle;
        auto begin = std::find(stack.begin(), stack.end(), dep);
        for (auto it = begin; it != stack.end(); ++it) cycle += *it + " -> ";
        errors->push_back({path, "dependency cycle: " + cycle + dep + "; a pipeline must be a DAG"});
        return true;
      }
      if (state[dep] == 0 && visit(dep)) return true;
    }
    stack.pop_back();
    state[name] = 2;
    return false;
  };
  for (const auto& task : spec.tasks) {
    if (state[task.name] == 0 && visit(task.name)) return;
  }
}
}  // namespace

PipelineSpec ParsePipelineSpec(const json& value, const std::string& path, ValidationErrors* errors) {
  PipelineSpec spec;
  FieldReader reader(value, path, errors);
  spec.description = reader.String("description").value_or("");
  if (const json* params = reader.Array("params"))
    spec.params = ParseParamSpecs(*params, reader.PathOf("params"), errors);
  const json* tasks = reader.Array("tasks", true);
  if (tasks && tasks->empty()) reader.Error("tasks", "must list at least one task");
  const json* finally_tasks = reader.Array("finally");
  if (const json* schedule = reader.Object("schedule"))
    spec.schedule = ParseSchedule(*schedule, reader.PathOf("schedule"), errors);
  spec.parallelism = reader.Integer("parallelism").value_or(0);
  if (spec.parallelism < 0) reader.Error("parallelism", "must be 0 (no limit) or more");
  if (const json* workspace = reader.Object("workspace"))
    spec.workspace = ParseWorkspace(*workspace, reader.PathOf("workspace"), errors);
  if (const json* repository = reader.Object("artifactRepository")) {
    spec.artifact_repository =
        ParseArtifactRepository(*repository, reader.PathOf("artifactRepository"), errors);
    if (spec.workspace.kind != Workspace::Kind::kNone) {
      reader.Error("artifactRepository",
                   "cannot be set together with workspace: artifacts go either to the workspace volume "
                   "or to the bucket; remove spec.workspace to keep them in the bucket (pods then share "
                   "no volume) or remove artifactRepository");
    }
  }
  if (const json* defaults = reader.Object("podDefaults"))
    spec.pod_defaults = ParsePodDefaults(*defaults, reader.PathOf("podDefaults"), errors);
  spec.successful_runs_history_limit = reader.Integer("successfulRunsHistoryLimit").value_or(10);
  if (spec.successful_runs_history_limit < 0) reader.Error("successfulRunsHistoryLimit", "must be 0 or more");
  spec.failed_runs_history_limit = reader.Integer("failedRunsHistoryLimit").value_or(5);
  if (spec.failed_runs_history_limit < 0) reader.Error("failedRunsHistoryLimit", "must be 0 or more");
  reader.Finish();

  if (!tasks) return spec;
  std::set<std::string> names;
  std::set<std::string> finally_names;
  for (const json* list : {tasks, finally_tasks}) {
    for (const auto& item : list ? *list : json::array()) {
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) continue;
      names.insert(item["name"].get<std::string>());
      if (list == finally_tasks) finally_names.insert(item["name"].get<std::string>());
    }
  }
  std::set<std::string> seen;
  struct Entry {
    const json* value;
    std::string path;
    bool is_finally;
  };
  std::vector<Entry> entries;
  for (size_t i = 0; i < tasks->size(); ++i)
    entries.push_back({&(*tasks)[i], IndexPath(reader.PathOf("tasks"), i), false});
  for (size_t i = 0; finally_tasks && i < finally_tasks->size(); ++i)
    entries.push_back({&(*finally_tasks)[i], IndexPath(reader.PathOf("finally"), i), true});
  for (const Entry& entry : entries) {
    const std::string& task_path = entry.path;
    FieldReader task_reader(*entry.value, task_path, errors);
    PipelineTask task;
    task.is_finally = entry.is_finally;
    task.name = task_reader.String("name", true).value_or("");
    if (!task.name.empty() && !IsDnsLabel(task.name)) {
      task_reader.Error("name", "\"" + task.name +
                                    "\" is not a valid task name: use lower-case letters, digits "
                                    "and '-', starting and ending with a letter or digit");
    }
    if (!task.name.empty() && !seen.insert(task.name).second)
      task_reader.Error("name", "duplicate task \"" + task.name + "\"");
    if (const json* ref = task_reader.Object("templateRef", true)) {
      FieldReader ref_reader(*ref, task_reader.PathOf("templateRef"), errors);
      task.template_ref = ref_reader.String("name", true).value_or("");
      ref_reader.Finish();
    }
    std::vector<DependsExpression> terms;  // the condition's parts, joined by && below
    bool conditioned = false;
    auto check_dependency = [&](const std::string& dep, const std::string& dep_path) {
      if (!names.count(dep)) {
        std::string known;
        for (const auto& name : names) known += (known.empty() ? "" : ", ") + name;
        errors->push_back({dep_path, "unknown task \"" + dep + "\"; tasks in this pipeline: " + known});
      } else if (dep == task.name) {
        errors->push_back({dep_path, "a task cannot depend on itself"});
      } else if (task.is_finally && !finally_names.count(dep)) {
        errors->push_back(
            {dep_path,
             "a finally task runs after every task of spec.tasks; it can depend only on "
             "other finally tasks (read the outcome from {{run.status}} and {{run.failures}})"});
      } else if (!task.is_finally && finally_names.count(dep)) {
        errors->push_back({dep_path, "\"" + dep +
                                         "\" is a finally task: it runs after every task of spec.tasks, "
                                         "so none can depend on it"});
      }
    };
    if (const json* list = task_reader.Array("dependsOn")) {
      for (size_t k = 0; k < list->size(); ++k) {
        const json& item = (*list)[k];
        std::string dep_path = IndexPath(task_reader.PathOf("dependsOn"), k);
        DependsExpression term;
        if (item.is_string()) {
          term.task = item.get<std::string>();
        } else if (item.is_object()) {
          FieldReader dep_reader(item, dep_path, errors);
          term.task = dep_reader.String("task", true).value_or("");
          term.state = dep_reader.String("on").value_or("");
          bool known =
              term.state.empty() || std::any_of(std::begin(kDependsStates), std::end(kDependsStates),
                                                [&](const char* state) { return term.state == state; });
          if (!known) {
            std::string list_text;
            for (const char* state : kDependsStates)
              list_text += (list_text.empty() ? "" : ", ") + std::string(state);
            dep_reader.Error("on", "\"" + term.state + "\" is not a task state: use " + list_text);
          }
          conditioned = conditioned || !term.state.empty();
          dep_reader.Finish();
        } else {
          errors->push_back(
              {dep_path, "must be a task name or {task: NAME, on: STATE}, got " + TypeName(item)});
          continue;
        }
        if (term.task.empty()) continue;
        check_dependency(term.task, dep_path);
        task.depends_on.push_back(term.task);
        terms.push_back(term);
      }
    }
    task.depends = task_reader.String("depends").value_or("");
    if (!task.depends.empty()) {
      ParsedDepends parsed = ParseDepends(task.depends);
      if (!parsed.error.empty()) {
        task_reader.Error("depends", "\"" + task.depends + "\": " + parsed.error);
      } else {
        for (const auto& dep : parsed.tasks) check_dependency(dep, task_reader.PathOf("depends"));
        for (const auto& dep : parsed.tasks) {
          if (std::find(task.depends_on.begin(), task.depends_on.end(), dep) == task.depends_on.end())
            task.depends_on.push_back(dep);
        }
        terms.push_back(parsed.expression);
        conditioned = true;
      }
    }
    if (conditioned) {
      task.condition =
          terms.size() == 1 ? terms.front() : DependsExpression{DependsExpression::Kind::kAnd, "", "", terms};
    }
    if (auto continue_on = task_reader.String("continueOn")) {
      if (*continue_on == "failed") {
        task.continue_on_failed = true;
      } else {
        task_reader.Error("continueOn",
                          "\"" + *continue_on +
                              "\" is not allowed: use continueOn: failed (the run goes on and does "
                              "not fail when this task fails)");
      }
    }
    task.params = task_reader.IntOrStringMap("params");
    task.when = task_reader.String("when").value_or("");
    task.retries = task_reader.Integer("retries");
    if (task.retries && (*task.retries < 0 || *task.retries > 100))
      task_reader.Error("retries", "must be between 0 and 100");
    task.timeout_seconds = task_reader.Integer("timeoutSeconds");
    if (task.timeout_seconds && *task.timeout_seconds < 1)
      task_reader.Error("timeoutSeconds", "must be at least 1");
    task.retry_on = ParseRetryOn(task_reader, errors);
    std::vector<std::string> referenced;
    if (const json* items = task_reader.Array("withItems")) {
      task.with_items = *items;
      if (items->empty())
        task_reader.Error("withItems",
                          "must list at least one item (a list known only at run time is withParam)");
      if (items->size() > kMaxItems)
        task_reader.Error("withItems", "has " + std::to_string(items->size()) + " items; at most " +
                                           std::to_string(kMaxItems) + " per task");
    }
    task.with_param = task_reader.String("withParam").value_or("");
    if (const json* sweep = task_reader.Object("sweep")) {
      task.sweep = ParseSweep(*sweep, task_reader.PathOf("sweep"), errors);
      if (task.with_items || !task.with_param.empty())
        task_reader.Error("sweep", "a sweep makes its own items (its trials): drop withItems and withParam");
      for (const auto& [name, unused] : task.sweep->params) {
        if (task.params.count(name))
          task_reader.Error("sweep", "param " + name + " is both swept and set in params: keep one");
      }
    }
    if (task.with_items && !task.with_param.empty())
      task_reader.Error("withParam", "set either withItems or withParam, not both");
    if (!task.with_param.empty()) {
      if (!ParseTemplate(task.with_param).HasReferences()) {
        task_reader.Error("withParam",
                          "\"" + task.with_param +
                              "\" has no reference: write an expression that gives a JSON list, "
                              "such as \"{{tasks.plants.outputs.plants}}\" (a literal list is withItems)");
      } else {
        CheckTaskExpression(task.with_param, task_reader.PathOf("withParam"), spec, names, &referenced,
                            errors);
      }
    }
    task_reader.Finish();

    for (const auto& [param, text] : task.params) {
      CheckTaskExpression(text, task_path + ".params." + param, spec, names, &referenced, errors, &task);
    }
    if (!task.when.empty())
      CheckTaskExpression(task.when, task_path + ".when", spec, names, &referenced, errors, &task);
    task.dependencies = task.depends_on;
    for (const auto& dep : referenced) {
      if (dep == task.name) {
        errors->push_back({task_path, "a task cannot use its own outputs"});
        continue;
      }
      if (!task.is_finally && finally_names.count(dep)) {
        errors->push_back({task_path, "uses the outputs of finally task \"" + dep +
                                          "\", which runs after every task of spec.tasks"});
        continue;
      }
      if (task.is_finally && !finally_names.count(dep)) continue;  // ended before any finally task starts
      if (std::find(task.dependencies.begin(), task.dependencies.end(), dep) == task.dependencies.end()) {
        task.dependencies.push_back(dep);  // reading a task's outputs implies running after it
      }
    }
    task.dependencies.erase(
        std::remove_if(task.dependencies.begin(), task.dependencies.end(),
                       [&](const std::string& d) { return !names.count(d) || d == task.name; }),
        task.dependencies.end());
    spec.tasks.push_back(std::move(task));
  }
  CheckCycles(spec, reader.PathOf("tasks"), errors);
  return spec;
}

Pipeline ParsePipeline(const json& object, ValidationErrors* errors) {
  Pipeline result;
  const json* spec = ParseObjectHead(object, "Pipeline", kMaxPipelineNameLength, &result.metadata, errors);
  if (!spec) return result;
  result.spec = ParsePipelineSpec(*spec, "spec", errors);
  return result;
}

json PipelineStatusToJson(const PipelineStatus& status) {
  json out = json::object();
  out["observedGeneration"] = status.observed_generation;
  if (status.last_schedule_time) out["lastScheduleTime"] = FormatRfc3339(*status.last_schedule_time);
  if (status.next_schedule_time) out["nextScheduleTime"] = FormatRfc3339(*status.next_schedule_time);
  if (status.last_successful_time) out["lastSuccessfulTime"] = FormatRfc3339(*status.last_successful_time);
  out["activeRuns"] = status.active_runs;
  out["conditions"] = json::array();
  for (const auto& condition : status.conditions) out["conditions"].push_back(ConditionToJson(condition));
  return out;
}

PipelineStatus PipelineStatusFromJson(const json& value) {
  PipelineStatus status;
  if (!value.is_object()) return status;
  status.observed_generation = value.value("observedGeneration", int64_t{0});
  status.last_schedule_time = TimeField(value, "lastScheduleTime");
  status.next_schedule_time = TimeField(value, "nextScheduleTime");
  status.last_successful_time = TimeField(value, "lastSuccessfulTime");
  if (value.contains("activeRuns") && value["activeRuns"].is_array()) {
    for (const auto& name : value["activeRuns"]) {
      if (name.is_string()) status.active_runs.push_back(name.get<std::string>());
    }
  }
  if (value.contains("conditions") && value["conditions"].is_array()) {
    for (const auto& condition : value["conditions"])
      status.conditions.push_back(ConditionFromJson(condition));
  }
  return status;
}

}  // namespace seed::api
