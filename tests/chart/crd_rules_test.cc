// The CRDs' CEL rules (x-kubernetes-validations), evaluated as the API server applies them: a rule
// runs on every value its schema path reaches in the written object; a transition rule (one that
// reads oldSelf) only on an update, and only where the old object has a value at the same path.
// The CEL evaluator is cel-es (tests/chart/cel_rules.cjs; npm, installed by scripts/setup --all);
// rules using Kubernetes' own CEL libraries (such as the list library's sum()) are reported as not
// evaluated here. Without node or cel-es the tests fail, never skip.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/yaml_json.h"
#include "command.h"

namespace seed::chart_test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct RuleSite {
  std::vector<std::string> path;  // "*": every item of a list or value of a map
  std::string rule;
  std::string message;
};

void CollectRules(const json& schema, const std::vector<std::string>& path, std::vector<RuleSite>* out) {
  if (!schema.is_object()) return;
  const json rules = schema.value("x-kubernetes-validations", json::array());
  for (const auto& rule : rules) out->push_back({path, rule.value("rule", ""), rule.value("message", "")});
  const json properties = schema.value("properties", json::object());
  for (const auto& [name, property] : properties.items()) {
    auto next = path;
    next.push_back(name);
    CollectRules(property, next, out);
  }
  for (const char* nested : {"items", "additionalProperties"}) {
    if (!schema.contains(nested)) continue;
    auto next = path;
    next.push_back("*");
    CollectRules(schema[nested], next, out);
  }
}

std::string Escape(const std::string& key) {
  std::string escaped;
  for (char c : key) escaped += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return escaped;
}

// The JSON pointers of every value at `path` in `value`.
void Resolve(const json& value, const std::vector<std::string>& path, size_t i, const std::string& pointer,
             std::vector<std::string>* out) {
  if (i == path.size()) {
    out->push_back(pointer);
    return;
  }
  if (path[i] == "*") {
    if (value.is_array()) {
      for (size_t k = 0; k < value.size(); ++k)
        Resolve(value[k], path, i + 1, pointer + "/" + std::to_string(k), out);
    } else if (value.is_object()) {
      for (const auto& [key, item] : value.items())
        Resolve(item, path, i + 1, pointer + "/" + Escape(key), out);
    }
    return;
  }
  if (value.is_object() && value.contains(path[i]))
    Resolve(value[path[i]], path, i + 1, pointer + "/" + Escape(path[i]), out);
}

std::map<std::string, json> SchemasByKind() {
  std::map<std::string, json> schemas;
  for (const auto& entry : fs::directory_iterator(SEED_CRDS_DIR)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& document : api::ParseYamlDocuments(text.str())) {
      const json& crd = document.value;
      schemas[crd["spec"]["names"]["kind"]] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
    }
  }
  return schemas;
}

struct Verdict {
  std::vector<std::string> violated;       // "<pointer>: <message>"
  std::vector<std::string> not_evaluated;  // "<rule>: <why>"
  int evaluated = 0;
};

// What the rules of `kind` say about writing `object`: a create, or an update from `old`.
Verdict Check(const std::string& kind, const json& object, const json* old = nullptr) {
  static const std::map<std::string, json> schemas = SchemasByKind();
  std::vector<RuleSite> sites;
  CollectRules(schemas.at(kind), {}, &sites);
  json cases = json::array();
  std::vector<std::pair<const RuleSite*, std::string>> asked;
  for (const auto& site : sites) {
    std::vector<std::string> pointers;
    Resolve(object, site.path, 0, "", &pointers);
    const bool transition = site.rule.find("oldSelf") != std::string::npos;
    const bool in_list = std::find(site.path.begin(), site.path.end(), "*") != site.path.end();
    for (const auto& pointer : pointers) {
      json item = {{"rule", site.rule}, {"self", object.at(json::json_pointer(pointer))}};
      if (transition) {
        // Items of a list are not correlated between old and new here; Seed's CRDs have no such rule.
        if (!old || in_list || !old->contains(json::json_pointer(pointer))) continue;
        item["oldSelf"] = old->at(json::json_pointer(pointer));
      }
      cases.push_back(item);
      asked.emplace_back(&site, pointer);
    }
  }
  const fs::path file = fs::temp_directory_path() / ("seed-cel-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << cases.dump();
  CommandResult result =
      RunCommand({"/usr/bin/env", "node", SEED_CEL_SCRIPT, SEED_NODE_MODULES, file.string()});
  fs::remove(file);
  Verdict verdict;
  EXPECT_EQ(result.exit_code, 0) << "node " << SEED_CEL_SCRIPT << ": " << result.err
                                 << " (scripts/setup --all installs node and @bufbuild/cel)";
  if (result.exit_code != 0) return verdict;
  json answers = json::parse(result.out);
  for (size_t i = 0; i < answers.size() && i < asked.size(); ++i) {
    const auto& [site, pointer] = asked[i];
    if (answers[i].contains("error")) {
      verdict.not_evaluated.push_back(site->rule + ": " + answers[i]["error"].get<std::string>());
    } else if (++verdict.evaluated; !answers[i]["value"].get<bool>()) {
      verdict.violated.push_back((pointer.empty() ? "/" : pointer) + ": " + site->message);
    }
  }
  return verdict;
}

json RunObject(const json& spec) {
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "PipelineRun"},
          {"metadata", {{"name", "r"}}},
          {"spec", spec}};
}

TEST(CrdRulesTest, ACancelledRunCannotBeResumedBySettingFalseOrRemovingCancel) {
  const json ref = {{"name", "p"}};
  const json cancelled = RunObject({{"pipelineRef", ref}, {"cancel", true}});
  const std::string refused = "/spec: a cancelled run cannot be resumed";
  for (const json& resumed :
       {RunObject({{"pipelineRef", ref}}), RunObject({{"pipelineRef", ref}, {"cancel", false}})}) {
    Verdict verdict = Check("PipelineRun", resumed, &cancelled);
    ASSERT_EQ(verdict.violated.size(), 1u) << resumed.dump();
    EXPECT_EQ(verdict.violated[0].rfind(refused, 0), 0u) << verdict.violated[0];
  }
  // Allowed: cancelling, writing cancel: true again, dropping a cancel: false, and a create.
  const json running = RunObject({{"pipelineRef", ref}});
  const json not_cancelled = RunObject({{"pipelineRef", ref}, {"cancel", false}});
  EXPECT_TRUE(Check("PipelineRun", cancelled, &running).violated.empty());
  EXPECT_TRUE(Check("PipelineRun", cancelled, &cancelled).violated.empty());
  EXPECT_TRUE(Check("PipelineRun", running, &not_cancelled).violated.empty());
  EXPECT_TRUE(Check("PipelineRun", cancelled).violated.empty());
  // The other transition rule still holds.
  Verdict moved = Check("PipelineRun", RunObject({{"pipelineRef", {{"name", "q"}}}}), &running);
  ASSERT_EQ(moved.violated.size(), 1u);
  EXPECT_EQ(moved.violated[0], "/spec/pipelineRef: pipelineRef is immutable");
}

TEST(CrdRulesTest, ResumeFromIsSetAtCreationImmutableAndTakesNoParamsOrScheduledTime) {
  const json ref = {{"name", "p"}};
  const json resumed = RunObject({{"pipelineRef", ref}, {"resumeFrom", {{"name", "p-1"}}}});
  const json plain = RunObject({{"pipelineRef", ref}});
  // Allowed: creating it, writing it unchanged, cancelling it.
  Verdict created = Check("PipelineRun", resumed);
  EXPECT_TRUE(created.violated.empty()) << created.violated[0];
  EXPECT_TRUE(created.not_evaluated.empty());
  EXPECT_TRUE(Check("PipelineRun", resumed, &resumed).violated.empty());
  json cancelled = resumed;
  cancelled["spec"]["cancel"] = true;
  EXPECT_TRUE(Check("PipelineRun", cancelled, &resumed).violated.empty());
  // Refused: pointing it at another run, adding or removing it, and params or scheduledTime beside it.
  json other = resumed;
  other["spec"]["resumeFrom"]["name"] = "p-2";
  Verdict moved = Check("PipelineRun", other, &resumed);
  ASSERT_EQ(moved.violated.size(), 1u);
  EXPECT_EQ(moved.violated[0], "/spec/resumeFrom: resumeFrom is immutable");
  for (const auto& [now, before] : {std::pair{resumed, plain}, std::pair{plain, resumed}}) {
    Verdict changed = Check("PipelineRun", now, &before);
    ASSERT_EQ(changed.violated.size(), 1u) << now.dump();
    EXPECT_EQ(changed.violated[0],
              "/spec: resumeFrom is set when the run is created; it cannot be added or removed later");
  }
  for (const char* field : {"params", "scheduledTime"}) {
    json with = resumed;
    with["spec"][field] =
        std::string(field) == "params" ? json{{"day", "2026-11-23"}} : json("2026-11-23T00:00:00Z");
    Verdict refused = Check("PipelineRun", with);
    ASSERT_EQ(refused.violated.size(), 1u) << field;
    EXPECT_EQ(
        refused.violated[0].rfind("/spec: a run with resumeFrom takes the params and scheduled time", 0), 0u)
        << refused.violated[0];
  }
}

json IsvcObject(const json& spec_extra) {
  json spec = {{"model", {{"name", "wind-wf01"}, {"version", "v2.2"}, {"uri", "pvc://models/wind-wf01"}}}};
  spec.merge_patch(spec_extra);
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "InferenceService"},
          {"metadata", {{"name", "i"}}},
          {"spec", spec}};
}

// spec.rollout: increasing steps (written without list macros beyond Kubernetes 1.25's CEL) and a host.
TEST(CrdRulesTest, ACanaryNeedsAHostAndIncreasingSteps) {
  const json host = {{"host", "wf01.example.com"}};
  for (const json& steps : {json::array({10, 50, 100}), json::array({100}),
                            json::array({5, 10, 20, 30, 40, 50, 60, 70, 80, 100})}) {
    json spec = host;
    spec["rollout"] = {{"steps", steps}};
    Verdict verdict = Check("InferenceService", IsvcObject(spec));
    EXPECT_TRUE(verdict.violated.empty()) << steps.dump() << ": " << json(verdict.violated).dump();
    EXPECT_TRUE(verdict.not_evaluated.empty()) << json(verdict.not_evaluated).dump();
  }
  for (const json& steps : {json::array({50, 10, 100}), json::array({10, 10, 100}),
                            json::array({5, 10, 20, 30, 40, 50, 60, 70, 100, 90})}) {
    json spec = host;
    spec["rollout"] = {{"steps", steps}};
    Verdict verdict = Check("InferenceService", IsvcObject(spec));
    ASSERT_EQ(verdict.violated.size(), 1u) << steps.dump();
    EXPECT_EQ(verdict.violated[0], "/spec/rollout: steps must increase");
  }
  Verdict no_host = Check("InferenceService", IsvcObject({{"rollout", {{"canaryPercent", 10}}}}));
  ASSERT_EQ(no_host.violated.size(), 1u);
  EXPECT_EQ(no_host.violated[0].rfind("/spec: rollout needs host", 0), 0u) << no_host.violated[0];
}

TEST(CrdRulesTest, StreamModeRefusesHttpRouting) {
  const json stream = {{"broker", "mqtt://broker:1883"}, {"inputTopic", "in"}, {"outputTopic", "out"}};
  EXPECT_TRUE(Check("InferenceService", IsvcObject({{"stream", stream}})).violated.empty());
  Verdict routed = Check("InferenceService", IsvcObject({{"stream", stream}, {"host", "wf01.example.com"}}));
  ASSERT_EQ(routed.violated.size(), 1u);
  EXPECT_EQ(routed.violated[0].rfind("/spec: host, traffic, expose and rollout do not apply with stream", 0),
            0u)
      << routed.violated[0];
}

// Artifacts go to a workspace volume or to a bucket, never both.
TEST(CrdRulesTest, APipelineHasAWorkspaceOrAnArtifactRepositoryNotBoth) {
  const json tasks = json::array({{{"name", "a"}, {"templateRef", {{"name", "t"}}}}});
  const json workspace = {{"persistentVolumeClaim", {{"claimName", "data"}}}};
  const json repository = {{"s3", {{"endpoint", "http://minio:9000"}, {"bucket", "art"}, {"secretRef", {{"name", "s"}}}}}};
  auto pipeline = [&](const json& extra) {
    json spec = {{"tasks", tasks}};
    spec.update(extra);
    return json{{"apiVersion", "seed.dev/v1alpha1"}, {"kind", "Pipeline"}, {"metadata", {{"name", "p"}}}, {"spec", spec}};
  };
  EXPECT_TRUE(Check("Pipeline", pipeline({{"workspace", workspace}})).violated.empty());
  EXPECT_TRUE(Check("Pipeline", pipeline({{"artifactRepository", repository}})).violated.empty());
  Verdict both = Check("Pipeline", pipeline({{"workspace", workspace}, {"artifactRepository", repository}}));
  ASSERT_EQ(both.violated.size(), 1u) << json(both.violated).dump();
  EXPECT_EQ(both.violated[0].rfind("/spec: set either workspace or artifactRepository, not both", 0), 0u)
      << both.violated[0];
  EXPECT_TRUE(both.not_evaluated.empty()) << json(both.not_evaluated).dump();
}

TEST(CrdRulesTest, EveryExampleObjectPassesEveryRule) {
  int objects = 0, evaluated = 0;
  std::set<std::string> not_evaluated;
  for (const auto& entry : fs::recursive_directory_iterator(SEED_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& document : api::ParseYamlDocuments(text.str())) {
      const json& object = document.value;
      if (object.value("apiVersion", "").rfind("seed.dev/", 0) != 0) continue;
      Verdict verdict = Check(object["kind"], object);
      EXPECT_TRUE(verdict.violated.empty()) << entry.path() << ": " << json(verdict.violated).dump();
      for (const auto& skipped : verdict.not_evaluated) {
        // Only Kubernetes' own libraries may be missing from cel-es; anything else is a broken rule.
        EXPECT_NE(skipped.find("unbound function"), std::string::npos) << entry.path() << ": " << skipped;
        not_evaluated.insert(skipped);
      }
      evaluated += verdict.evaluated;
      ++objects;
    }
  }
  EXPECT_GE(objects, 10);
  EXPECT_GE(evaluated, 20);
  for (const auto& rule : not_evaluated) std::cout << "not evaluated by cel-es: " << rule << "\n";
}

}  // namespace
}  // namespace seed::chart_test
