#include "render/task_pod.h"

#include <gtest/gtest.h>

#include <set>

#include "render/names.h"
#include "render/workspace_pvc.h"

namespace seed::render {
namespace {

using nlohmann::json;

struct Fixture {
  api::PipelineSpec pipeline;
  api::JobTemplateSpec spec;
  TaskPodInput input;

  Fixture() {
    api::ValidationErrors errors;
    pipeline = api::ParsePipelineSpec(json::parse(R"({
      "tasks": [{"name": "train", "templateRef": {"name": "t"}}],
      "workspace": {"volumeClaimTemplate": {"metadata": {"labels": {"team": "wind"}},
                                             "spec": {"resources": {"requests": {"storage": "2Gi"}}}}},
      "podDefaults": {"nodeSelector": {"pool": "batch", "zone": "a"},
                      "tolerations": [{"key": "batch", "operator": "Exists"}],
                      "env": [{"name": "TZ", "value": "UTC"}, {"name": "LOG", "value": "info"}],
                      "volumes": [{"name": "nwp", "persistentVolumeClaim": {"claimName": "nwp-cache"}}],
                      "volumeMounts": [{"name": "nwp", "mountPath": "/nwp"}]}
    })"),
                                      "spec", &errors);
    EXPECT_TRUE(errors.empty());
    spec = api::ParseJobTemplateSpec(json::parse(R"({
      "command": ["seed-job", "train"],
      "args": ["--data", "/seed/workspace/r/qc/clean"],
      "env": [{"name": "LOG", "value": "debug"}],
      "nodeSelector": {"zone": "b"},
      "resources": {"requests": {"cpu": "500m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}, "gpu": 1},
      "serviceAccountName": "trainer"
    })"),
                                     "spec", &errors);
    EXPECT_TRUE(errors.empty());
    input.run.name = "wind-day-ahead-29922735";
    input.run.namespace_ = "plants";
    input.run.uid = "uid-1";
    input.pipeline_name = "wind-day-ahead";
    input.pipeline = &pipeline;
    input.task = "train";
    input.attempt = 2;
    input.spec = &spec;
    input.active_deadline_seconds = 540;
    input.scheduled_time = "2026-11-22T16:15:00Z";
  }
};

json EnvValue(const json& container, const std::string& name) {
  for (const auto& item : container["env"]) {
    if (item["name"] == name) return item["value"];
  }
  return nullptr;
}

TEST(TaskPodTest, MetadataLabelsAndOwner) {
  Fixture f;
  json pod = RenderTaskPod(f.input, {});
  EXPECT_EQ(pod["metadata"]["name"], "wind-day-ahead-29922735-train-2");
  EXPECT_EQ(pod["metadata"]["namespace"], "plants");
  EXPECT_EQ(pod["metadata"]["labels"], json::parse(R"({
    "app.kubernetes.io/managed-by": "seed-operator", "app.kubernetes.io/part-of": "seed",
    "seed.dev/pipelinerun": "wind-day-ahead-29922735", "seed.dev/pipeline": "wind-day-ahead",
    "seed.dev/task": "train", "seed.dev/attempt": "2"})"));
  EXPECT_EQ(pod["metadata"]["ownerReferences"], json::parse(R"([{"apiVersion": "seed.dev/v1alpha1",
    "kind": "PipelineRun", "name": "wind-day-ahead-29922735", "uid": "uid-1", "controller": true,
    "blockOwnerDeletion": true}])"));
  EXPECT_EQ(pod["metadata"]["annotations"]["seed.dev/spec-hash"].get<std::string>().size(), 16u);
}

TEST(TaskPodTest, SpecContract) {
  Fixture f;
  json pod = RenderTaskPod(f.input, {});
  const json& spec = pod["spec"];
  const json& container = spec["containers"][0];
  EXPECT_EQ(spec["restartPolicy"], "Never");
  EXPECT_EQ(spec["activeDeadlineSeconds"], 540);
  EXPECT_EQ(spec["serviceAccountName"], "trainer");
  EXPECT_EQ(spec["nodeSelector"], json::parse(R"({"pool": "batch", "zone": "b"})"));  // template wins
  EXPECT_EQ(spec["tolerations"].size(), 1u);
  EXPECT_EQ(container["image"], "seed-job:0.1.0");
  EXPECT_EQ(container["command"], json::parse(R"(["seed-job", "train"])"));
  EXPECT_EQ(container["args"], json::parse(R"(["--data", "/seed/workspace/r/qc/clean"])"));
  EXPECT_EQ(container["terminationMessagePath"], "/seed/results.json");
  EXPECT_EQ(container["terminationMessagePolicy"], "FallbackToLogsOnError");
  EXPECT_EQ(container["resources"], json::parse(R"({"requests": {"cpu": "500m", "memory": "256Mi"},
    "limits": {"memory": "1Gi", "nvidia.com/gpu": "1"}})"));
  EXPECT_EQ(EnvValue(container, "SEED_RESULTS_FILE"), "/seed/results.json");
  EXPECT_EQ(EnvValue(container, "SEED_RUN"), "wind-day-ahead-29922735");
  EXPECT_EQ(EnvValue(container, "SEED_TASK"), "train");
  EXPECT_EQ(EnvValue(container, "SEED_ATTEMPT"), "2");
  EXPECT_EQ(EnvValue(container, "SEED_SCHEDULED_TIME"), "2026-11-22T16:15:00Z");
  EXPECT_EQ(EnvValue(container, "SEED_WORKSPACE"), "/seed/workspace");
  EXPECT_EQ(EnvValue(container, "LOG"), "debug");  // template env wins over podDefaults
  EXPECT_EQ(EnvValue(container, "TZ"), "UTC");
  json mounts = json::array();
  for (const auto& mount : container["volumeMounts"]) mounts.push_back(mount["mountPath"]);
  EXPECT_EQ(mounts, json::parse(R"(["/tmp", "/seed", "/seed/workspace", "/nwp"])"));
  EXPECT_EQ(spec["volumes"][2], json::parse(R"({"name": "seed-workspace",
    "persistentVolumeClaim": {"claimName": "wind-day-ahead-29922735-workspace"}})"));
  EXPECT_EQ(spec["volumes"][3]["name"], "nwp");
}

TEST(TaskPodTest, RestrictedSecurityByDefault) {
  Fixture f;
  json pod = RenderTaskPod(f.input, {});
  EXPECT_EQ(pod["spec"]["securityContext"], json::parse(R"({"runAsNonRoot": true, "runAsUser": 65532,
    "runAsGroup": 65532, "fsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"}})"));
  EXPECT_EQ(pod["spec"]["containers"][0]["securityContext"],
            json::parse(R"({"allowPrivilegeEscalation": false,
    "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
    "seccompProfile": {"type": "RuntimeDefault"}})"));
}

TEST(TaskPodTest, TemplateImageAndSecurityOverrides) {
  Fixture f;
  f.spec.image = "registry.example.com/custom:1";
  f.spec.pod.security_context = json::parse(R"({"readOnlyRootFilesystem": false})");
  RenderOptions options;
  options.default_image = "seed-job:9";
  json pod = RenderTaskPod(f.input, options);
  EXPECT_EQ(pod["spec"]["containers"][0]["image"], "registry.example.com/custom:1");
  EXPECT_EQ(pod["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"], false);
  EXPECT_EQ(pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"], false);
}

TEST(TaskPodTest, SpecHashChangesOnlyWithTheSpec) {
  Fixture f;
  auto hash = [&] { return RenderTaskPod(f.input, {})["metadata"]["annotations"]["seed.dev/spec-hash"]; };
  json first = hash();
  EXPECT_EQ(hash(), first);
  f.spec.args.push_back("--more");
  EXPECT_NE(hash(), first);
}

TEST(WorkspaceClaimTest, FromVolumeClaimTemplate) {
  Fixture f;
  auto claim = RenderWorkspaceClaim(f.input.run, "wind-day-ahead", f.pipeline);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ((*claim)["metadata"]["name"], "wind-day-ahead-29922735-workspace");
  EXPECT_EQ((*claim)["metadata"]["labels"]["team"], "wind");
  EXPECT_EQ((*claim)["metadata"]["labels"]["seed.dev/pipelinerun"], "wind-day-ahead-29922735");
  EXPECT_EQ((*claim)["metadata"]["ownerReferences"][0]["kind"], "PipelineRun");
  EXPECT_EQ((*claim)["spec"], json::parse(R"({"accessModes": ["ReadWriteOnce"],
    "resources": {"requests": {"storage": "2Gi"}}})"));
}

TEST(WorkspaceClaimTest, ExistingClaimAndNone) {
  api::PipelineSpec pipeline;
  EXPECT_FALSE(RenderWorkspaceClaim({}, "p", pipeline).has_value());
  EXPECT_EQ(WorkspaceVolume("r", pipeline), json::parse(R"({"name": "seed-workspace", "emptyDir": {}})"));
  pipeline.workspace.kind = api::Workspace::Kind::kPersistentVolumeClaim;
  pipeline.workspace.claim_name = "shared";
  EXPECT_EQ(WorkspaceVolume("r", pipeline)["persistentVolumeClaim"]["claimName"], "shared");
}

TEST(NamesTest, ShortNamesAreKept) { EXPECT_EQ(TaskPodName("wind-29922735", "qc", 1), "wind-29922735-qc-1"); }

TEST(NamesTest, LongNamesGetAStableHashSuffixWithin63) {
  std::string run = "wind-farm-" + std::string(40, 'x') + "-29922735";
  std::string name = TaskPodName(run, "forecast-ultra-short", 12);
  EXPECT_LE(name.size(), 63u);
  EXPECT_GE(name.size(), 60u);
  EXPECT_EQ(name, TaskPodName(run, "forecast-ultra-short", 12));
  EXPECT_EQ(name.substr(name.size() - 3), "-12");
  EXPECT_EQ(name.substr(name.size() - 12, 9), "-" + ShortHash(run + "/forecast-ultra-short"));
  EXPECT_NE(TaskPodName(run, "forecast-ultra-short-b", 12), name);
  EXPECT_NE(name.back(), '-');
}

TEST(NamesTest, ItemPodsAreUniqueStableAndApartFromPlainTaskPods) {
  std::string hash = ShortHash("fleet-1/score/items");
  EXPECT_EQ(TaskPodName("fleet-1", "score", 7, 1), "fleet-1-score-" + hash + "-7-1");
  EXPECT_EQ(TaskPodName("fleet-1", "score", -1, 2), TaskPodName("fleet-1", "score", 2));
  // Item 7 of "score" is not the pod of a task named "score-7" or of another fan-out "score-7".
  EXPECT_NE(TaskPodName("fleet-1", "score-7", 1), TaskPodName("fleet-1", "score", 7, 1));
  EXPECT_NE(TaskPodName("fleet-1", "score-7", 1, 1), TaskPodName("fleet-1", "score", 7, 1));
  EXPECT_NE(TaskPodName("fleet-1", "score", 17, 1), TaskPodName("fleet-1", "score", 1, 71));
  std::string run = "wind-farm-" + std::string(40, 'x') + "-29922735";
  std::set<std::string> names;
  for (int item = 0; item < 1000; ++item) {
    std::string name = TaskPodName(run, "forecast-ultra-short", item, 3);
    EXPECT_LE(name.size(), 63u);
    EXPECT_NE(name.front(), '-');
    names.insert(name);
  }
  EXPECT_EQ(names.size(), 1000u);
  EXPECT_EQ(TaskPodName(run, "forecast-ultra-short", 999, 3).substr(63 - 15),
            "-" + ShortHash(run + "/forecast-ultra-short/items") + "-999-3");
}

TEST(NamesTest, FnvKnownAnswers) {
  EXPECT_EQ(ShortHash(""), "811c9dc5");
  EXPECT_EQ(ShortHash("a"), "e40c292c");
  EXPECT_EQ(LongHash(""), "cbf29ce484222325");
  EXPECT_EQ(LongHash("a"), "af63dc4c8601ec8c");
}

}  // namespace
}  // namespace seed::render
