#include "api/jobtemplate.h"

#include <cctype>
#include <set>

#include "api/field_reader.h"
#include "api/find_by_name.h"
#include "api/template_expression.h"

namespace seed::api {

using nlohmann::json;

const ParamSpec* JobTemplateSpec::FindParam(const std::string& name) const { return FindByName(params, name); }

const OutputSpec* JobTemplateSpec::FindOutput(const std::string& name) const { return FindByName(outputs, name); }

bool IsReservedEnvName(const std::string& name) { return name.rfind("SEED_", 0) == 0; }

namespace {

// A plain file name: letters, digits, '.', '_' and '-', not starting with '.' (no directories).
bool IsPlainFileName(const std::string& value) {
  if (value.empty() || value.size() > 255 || value[0] == '.') return false;
  for (char c : value) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::vector<OutputSpec> ParseOutputs(const json& list, const std::string& path, ValidationErrors* errors) {
  std::vector<OutputSpec> outputs;
  std::set<std::string> names;
  std::set<std::string> files;
  for (size_t i = 0; i < list.size(); ++i) {
    FieldReader reader(list[i], IndexPath(path, i), errors);
    OutputSpec output;
    output.name = reader.String("name", true).value_or("");
    if (!output.name.empty() && !IsParamName(output.name)) {
      reader.Error("name",
                   "\"" + output.name + "\" is not a valid output name: use letters, digits, '_' and '-'");
    }
    if (!output.name.empty() && !names.insert(output.name).second) {
      reader.Error("name", "duplicate output \"" + output.name + "\"");
    }
    std::string kind = reader.String("kind").value_or("value");
    if (kind == "artifact")
      output.kind = OutputKind::kArtifact;
    else if (kind != "value")
      reader.Error("kind", "\"" + kind + "\" is not an output kind: use artifact or value");
    output.description = reader.String("description").value_or("");
    output.file = reader.String("file").value_or("");
    if (reader.Has("file")) {
      if (output.kind != OutputKind::kArtifact) {
        reader.Error("file", "only artifact outputs have a file; drop it or set kind: artifact");
      } else if (!IsPlainFileName(output.file)) {
        reader.Error("file",
                     "\"" + output.file +
                         "\" is not a plain file name: use letters, digits, '.', '_' and '-' (no '/', not "
                         "starting with '.'), e.g. report.html");
      }
    }
    if (output.kind == OutputKind::kArtifact && !output.FileName().empty() &&
        !files.insert(output.FileName()).second) {
      reader.Error(output.file.empty() ? "name" : "file",
                   "two artifact outputs would write the same file \"" + output.FileName() + "\"");
    }
    reader.Finish();
    outputs.push_back(std::move(output));
  }
  return outputs;
}

// Checks the references in one argv element of a template.
void CheckArgv(const std::string& text, const std::string& path, const JobTemplateSpec& spec,
               ValidationErrors* errors) {
  ParsedTemplate parsed = ParseTemplate(text);
  if (!parsed.error.empty()) {
    errors->push_back({path, parsed.error});
    return;
  }
  for (const auto& segment : parsed.segments) {
    if (!segment.reference) continue;
    const auto& ref = *segment.reference;
    const auto& p = ref.path;
    std::string name = JoinReference(p);
    bool time = p.size() == 2 && p[0] == "run" && p[1] == "scheduledTime";
    if (!ref.filters.empty() && !time) {
      errors->push_back({path, "filters apply only to run.scheduledTime, not to " + name});
    }
    if (p.size() == 2 && p[0] == "params") {
      if (!spec.FindParam(p[1])) {
        std::string known;
        for (const auto& param : spec.params) known += (known.empty() ? "" : ", ") + param.name;
        errors->push_back({path, "unknown param \"" + p[1] + "\" in " + ref.text +
                                     "; declared params: " + (known.empty() ? "(none)" : known)});
      }
    } else if (p.size() == 2 && p[0] == "outputs") {
      const OutputSpec* output = spec.FindOutput(p[1]);
      if (!output) {
        errors->push_back(
            {path, "unknown output \"" + p[1] + "\" in " + ref.text + "; declare it under spec.outputs"});
      } else if (output->kind == OutputKind::kValue) {
        errors->push_back({path, ref.text + " names a value output; a job reports values by writing them to "
                                            "$SEED_RESULTS_FILE, only artifact outputs have a path"});
      }
    } else if (!(p.size() == 1 && p[0] == "workspace") &&
               !(p.size() == 2 && p[0] == "run" && (p[1] == "name" || p[1] == "namespace" || time))) {
      errors->push_back({path, "unknown reference " + ref.text +
                                   ": a template may use {{params.X}}, "
                                   "{{outputs.X}}, {{workspace}}, {{run.name}}, {{run.namespace}} and "
                                   "{{run.scheduledTime}}"});
    }
  }
}

}  // namespace

TaskResources ParseTaskResources(const json& value, const std::string& path, ValidationErrors* errors) {
  TaskResources resources;
  FieldReader reader(value, path, errors);
  for (const char* key : {"requests", "limits"}) {
    const json* map = reader.Object(key);
    if (!map) continue;
    for (const auto& [name, quantity] : map->items()) {
      std::string item_path = reader.PathOf(key) + "." + name;
      auto text = ScalarText(quantity);
      if (!text || quantity.is_boolean() || !IsQuantity(*text)) {
        errors->push_back(
            {item_path, "is not a quantity: use a number with an optional suffix, e.g. 500m, 2, 256Mi, 1Gi"});
        continue;
      }
      (std::string(key) == "requests" ? resources.requests : resources.limits)[name] = *text;
    }
  }
  resources.gpu = reader.Integer("gpu").value_or(0);
  if (resources.gpu < 0) reader.Error("gpu", "must be 0 or more");
  reader.Finish();
  return resources;
}

JobTemplateSpec ParseJobTemplateSpec(const json& value, const std::string& path, ValidationErrors* errors) {
  JobTemplateSpec spec;
  FieldReader reader(value, path, errors);
  spec.description = reader.String("description").value_or("");
  spec.image = reader.String("image").value_or("");
  spec.image_pull_policy = reader.String("imagePullPolicy").value_or("");
  if (!spec.image_pull_policy.empty() && spec.image_pull_policy != "Always" &&
      spec.image_pull_policy != "IfNotPresent" && spec.image_pull_policy != "Never") {
    reader.Error("imagePullPolicy",
                 "\"" + spec.image_pull_policy + "\" is not allowed: use Always, IfNotPresent or Never");
  }
  if (!reader.Has("command"))
    reader.Error("command", "is required: the program and its fixed arguments, e.g. [seed-job, train]");
  spec.command = reader.StringList("command");
  if (reader.Has("command") && spec.command.empty())
    reader.Error("command", "must name a program, e.g. [seed-job, train]");
  spec.args = reader.StringList("args");
  if (const json* params = reader.Array("params"))
    spec.params = ParseParamSpecs(*params, reader.PathOf("params"), errors);
  if (const json* outputs = reader.Array("outputs"))
    spec.outputs = ParseOutputs(*outputs, reader.PathOf("outputs"), errors);
  if (const json* resources = reader.Object("resources"))
    spec.resources = ParseTaskResources(*resources, reader.PathOf("resources"), errors);
  if (const json* env = reader.Array("env")) {
    spec.env = *env;
    for (size_t i = 0; i < env->size(); ++i) {
      const json& item = (*env)[i];
      std::string item_path = IndexPath(reader.PathOf("env"), i);
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
        errors->push_back(
            {item_path, "must be an object with a name and a value, e.g. {name: LOG_LEVEL, value: info}"});
        continue;
      }
      std::string name = item["name"].get<std::string>();
      if (IsReservedEnvName(name)) {
        errors->push_back(
            {item_path + ".name", name + " is set by Seed; names starting with SEED_ are reserved"});
      }
      if (item.contains("value") && !item["value"].is_string()) {
        errors->push_back({item_path + ".value", "must be a string; quote numbers and booleans"});
      } else if (item.contains("value") && item["value"].get<std::string>().find("{{") != std::string::npos) {
        errors->push_back({item_path + ".value",
                           "expressions are substituted only in command and args; pass the "
                           "value as an argument instead"});
      }
    }
  }
  if (const json* volumes = reader.Array("volumes")) spec.volumes = *volumes;
  if (const json* mounts = reader.Array("volumeMounts")) spec.volume_mounts = *mounts;
  if (const json* selector = reader.Object("nodeSelector")) spec.node_selector = *selector;
  if (const json* tolerations = reader.Array("tolerations")) spec.tolerations = *tolerations;
  spec.pod = ReadPodSettings(reader, errors);
  spec.retries = reader.Integer("retries");
  if (spec.retries && (*spec.retries < 0 || *spec.retries > 100))
    reader.Error("retries", "must be between 0 and 100");
  spec.timeout_seconds = reader.Integer("timeoutSeconds");
  if (spec.timeout_seconds && *spec.timeout_seconds < 1) reader.Error("timeoutSeconds", "must be at least 1");
  if (reader.Has("retryOn")) {
    const json* codes = reader.Array("retryOn");
    spec.retry_on.emplace();
    for (size_t i = 0; codes && i < codes->size(); ++i) {
      const json& code = (*codes)[i];
      if (!code.is_number_integer() || code.get<int64_t>() < 1 || code.get<int64_t>() > 255) {
        errors->push_back({IndexPath(reader.PathOf("retryOn"), i), "must be an exit code from 1 to 255"});
        continue;
      }
      spec.retry_on->push_back(code.get<int64_t>());
    }
  }
  reader.Finish();
  for (size_t i = 0; i < spec.command.size(); ++i)
    CheckArgv(spec.command[i], IndexPath(JoinPath(path, "command"), i), spec, errors);
  for (size_t i = 0; i < spec.args.size(); ++i)
    CheckArgv(spec.args[i], IndexPath(JoinPath(path, "args"), i), spec, errors);
  return spec;
}

JobTemplate ParseJobTemplate(const json& object, ValidationErrors* errors) {
  JobTemplate result;
  const json* spec = ParseObjectHead(object, "JobTemplate", 63, &result.metadata, errors);
  if (!spec) return result;
  result.spec = ParseJobTemplateSpec(*spec, "spec", errors);
  return result;
}

}  // namespace seed::api
