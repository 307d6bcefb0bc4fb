// The PipelineRun controller against the test API emulator: pods in dependency order with the
// right env, labels and owners; retries, timeouts, cancel, `when`, parallelism; the snapshot;
// compact status.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "api/time_format.h"
#include "pipeline_fixture.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;

json StepTemplate(const std::string& name, const json& extra = json::object()) {
  json spec = {{"command", {"seed-job", "step"}}, {"args", {"--name", name}}};
  spec.update(extra);
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "JobTemplate"},
          {"metadata", {{"name", name}}},
          {"spec", spec}};
}

json PipelineObject(const std::string& name, const json& tasks, const json& extra = json::object()) {
  json spec = {{"tasks", tasks}};
  spec.update(extra);
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "Pipeline"},
          {"metadata", {{"name", name}}},
          {"spec", spec}};
}

json Task(const std::string& name, const json& extra = json::object()) {
  json task = {{"name", name}, {"templateRef", {{"name", "step"}}}};
  task.update(extra);
  return task;
}

std::map<std::string, std::string> EnvOf(const json& pod) {
  std::map<std::string, std::string> env;
  for (const auto& item : pod["spec"]["containers"][0].value("env", json::array())) {
    env[item.value("name", "")] = item.value("value", "");
  }
  return env;
}

// The order in which each pod's successful create and its last status write took effect: the
// emulator's resourceVersion, a global counter. (The write log's seq is the order entries were
// logged, which can trail the order of effect when two writers race: a kubelet's status write that
// answers a create's watch event has been logged before that create.)
struct PodTimeline {
  std::map<std::string, int64_t> created;
  std::map<std::string, int64_t> finished;
};

PodTimeline Timeline(const std::vector<json>& writes) {
  PodTimeline timeline;
  for (const auto& write : writes) {
    if (write.value("resource", "") != "pods" || write.value("code", 0) >= 300) continue;
    std::string name = write.value("name", "");
    int64_t seq = std::stoll(write.value("resourceVersion", "0"));
    if (write.value("verb", "") == "create") timeline.created[name] = seq;
    if (write.value("subresource", "") == "status") timeline.finished[name] = seq;
  }
  return timeline;
}

TEST_F(PipelineTest, WindDagRunsInDependencyOrderWithEnvLabelsAndOwners) {
  cluster_->ApplyFile(Testdata("wind_dag.yaml"));
  StartKubelet(WindDagOutcome);
  StartOperator();
  cluster_->Apply(RunObject("r1", "wind-dag").dump());
  ASSERT_TRUE(WaitForRunPhase("r1", "Succeeded")) << Run("r1").dump(2);

  const json run = Run("r1");
  const std::map<std::string, std::vector<std::string>> deps = {{"synth", {}},
                                                                {"qc", {"synth"}},
                                                                {"train", {"qc"}},
                                                                {"forecast", {"train", "qc"}},
                                                                {"evaluate", {"forecast", "qc"}},
                                                                {"report", {"forecast", "evaluate"}}};
  PodTimeline timeline = Timeline(cluster_->Writes());
  for (const auto& [task, upstream] : deps) {
    std::string pod = "r1-" + task + "-1";
    ASSERT_TRUE(timeline.created.count(pod)) << pod;
    for (const auto& dep : upstream) {
      EXPECT_GT(timeline.created[pod], timeline.finished["r1-" + dep + "-1"])
          << task << " started before " << dep;
    }
  }
  EXPECT_EQ(timeline.created.size(), 6u);

  auto qc = Pod("r1-qc-1");
  ASSERT_TRUE(qc);
  const json& labels = (*qc)["metadata"]["labels"];
  EXPECT_EQ(labels["app.kubernetes.io/managed-by"], "seed-operator");
  EXPECT_EQ(labels["app.kubernetes.io/part-of"], "seed");
  EXPECT_EQ(labels["seed.dev/pipelinerun"], "r1");
  EXPECT_EQ(labels["seed.dev/pipeline"], "wind-dag");
  EXPECT_EQ(labels["seed.dev/task"], "qc");
  EXPECT_EQ(labels["seed.dev/attempt"], "1");
  EXPECT_TRUE((*qc)["metadata"]["annotations"].contains("seed.dev/spec-hash"));
  const json& owner = (*qc)["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "PipelineRun");
  EXPECT_EQ(owner["apiVersion"], "seed.dev/v1alpha1");
  EXPECT_EQ(owner["name"], "r1");
  EXPECT_EQ(owner["uid"], run["metadata"]["uid"]);
  EXPECT_EQ(owner["controller"], true);
  auto env = EnvOf(*qc);
  EXPECT_EQ(env["SEED_RUN"], "r1");
  EXPECT_EQ(env["SEED_TASK"], "qc");
  EXPECT_EQ(env["SEED_ATTEMPT"], "1");
  EXPECT_EQ(env["SEED_WORKSPACE"], "/seed/workspace");
  EXPECT_EQ(env["SEED_RESULTS_FILE"], "/seed/results.json");
  EXPECT_EQ(env["SEED_SCHEDULED_TIME"], run["metadata"]["creationTimestamp"]);
  EXPECT_EQ((*qc)["spec"]["containers"][0]["args"], json({"--in", "/seed/workspace/r1/synth/data", "--rows",
                                                          "2880", "--out", "/seed/workspace/r1/qc/clean"}));
  EXPECT_EQ((*qc)["spec"]["containers"][0]["image"], "seed-job:test");
  EXPECT_EQ((*qc)["spec"]["restartPolicy"], "Never");
  EXPECT_EQ((*qc)["spec"]["containers"][0]["terminationMessagePath"], "/seed/results.json");
  auto report = Pod("r1-report-1");
  ASSERT_TRUE(report);
  EXPECT_EQ((*report)["spec"]["containers"][0]["args"],
            json({"--forecast", "/seed/workspace/r1/forecast/forecast", "--accuracy", "0.87", "--out",
                  "/seed/workspace/r1/report/report"}));

  const json& status = run["status"];
  EXPECT_EQ(status["progress"], "6/6");
  EXPECT_EQ(status["observedGeneration"], run["metadata"]["generation"]);
  EXPECT_EQ(status["tasks"]["train"]["outputs"]["score"], "0.91");
  EXPECT_EQ(status["tasks"]["qc"]["podName"], "r1-qc-1");
  EXPECT_EQ(status["tasks"]["qc"]["attempt"], 1);
  EXPECT_TRUE(status.contains("pipelineSpec"));
  ASSERT_EQ(status["conditions"].size(), 1u);
  EXPECT_EQ(status["conditions"][0]["type"], "Succeeded");
  EXPECT_EQ(status["conditions"][0]["status"], "True");

  // Events are recorded after the status write that shows the change: wait (bounded) for the last.
  std::multiset<std::string> reasons;
  auto read_events = [&] {
    json events = cluster_->emulator().Request("GET", "/apis/events.k8s.io/v1/namespaces/default/events");
    reasons.clear();
    for (const auto& event : events.value("items", json::array())) {
      if (event["regarding"].value("name", "") == "r1") reasons.insert(event.value("reason", ""));
    }
    return reasons.count("RunSucceeded") > 0;
  };
  EXPECT_TRUE(WaitUntil(read_events, std::chrono::seconds(10)));
  EXPECT_EQ(reasons.count("TaskStarted"), 6u);
  EXPECT_EQ(reasons.count("TaskSucceeded"), 6u);
  EXPECT_EQ(reasons.count("RunSucceeded"), 1u);
}

TEST_F(PipelineTest, RunKeepsItsSnapshotWhenThePipelineIsEdited) {
  cluster_->ApplyFile(Testdata("wind_dag.yaml"));
  StartKubelet(
      [](const json& pod) { return TaskOf(pod) == "synth" ? PodOutcome::Hold() : WindDagOutcome(pod); });
  StartOperator();
  cluster_->Apply(RunObject("r1", "wind-dag").dump());
  ASSERT_TRUE(WaitUntil([&] { return kubelet_->Held().count("r1-synth-1") > 0; }, std::chrono::seconds(20)));
  // Drop every task but synth from the Pipeline while the run is in flight.
  json pipeline = cluster_->Get("pipelines", "wind-dag");
  json tasks = json::array({pipeline["spec"]["tasks"][0]});
  cluster_->MergePatch("pipelines", "wind-dag", {{"spec", {{"tasks", tasks}}}});
  ASSERT_TRUE(kubelet_->Complete("r1-synth-1", PodOutcome::Succeed(R"({"rows": 10})")));
  ASSERT_TRUE(WaitForRunPhase("r1", "Succeeded")) << Run("r1").dump(2);
  EXPECT_EQ(Run("r1")["status"]["progress"], "6/6");
  EXPECT_TRUE(Pod("r1-report-1"));
}

TEST_F(PipelineTest, FailedAttemptIsRetriedAfterBackoff) {
  cluster_->Apply(StepTemplate("step", {{"retries", 2}}).dump());
  cluster_->Apply(PipelineObject("p", {Task("a"), Task("b", {{"dependsOn", {"a"}}})}).dump());
  StartKubelet([](const json& pod) {
    return pod["metadata"]["name"] == "r-a-1" ? PodOutcome::Fail(1) : PodOutcome::Succeed();
  });
  StartOperator();
  cluster_->Apply(RunObject("r", "p").dump());
  ASSERT_TRUE(WaitForTaskPhase("r", "a", "Retrying")) << Run("r").dump(2);
  json task = Run("r")["status"]["tasks"]["a"];
  EXPECT_EQ(task["exitCode"], 1);
  EXPECT_EQ(task["nextRetryTime"], api::FormatRfc3339(cluster_->clock() + std::chrono::seconds(10)));
  EXPECT_FALSE(Pod("r-a-2"));
  Advance(std::chrono::seconds(11));
  ASSERT_TRUE(WaitForRunPhase("r", "Succeeded")) << Run("r").dump(2);
  task = Run("r")["status"]["tasks"]["a"];
  EXPECT_EQ(task["attempt"], 2);
  EXPECT_EQ(task["podName"], "r-a-2");
  EXPECT_EQ(Pod("r-a-1").value()["status"]["phase"], "Failed");
  auto summary = SummarizeWrites(cluster_->Writes());
  EXPECT_EQ(summary.pod_creates, (std::map<std::string, int>{{"r-a-1", 1}, {"r-a-2", 1}, {"r-b-1", 1}}));
}

TEST_F(PipelineTest, ExitCodeTwoIsNotRetriedAndOmitsDownstream) {
  cluster_->Apply(StepTemplate("step", {{"retries", 3}}).dump());
  cluster_->Apply(PipelineObject("p", {Task("a"), Task("b", {{"dependsOn", {"a"}}})}).dump());
  // The log tail Kubernetes keeps as the termination message (FallbackToLogsOnError) of a task
  // that failed before writing its results file: its last line is the task's own error.
  StartKubelet([](const json&) {
    PodOutcome outcome = PodOutcome::Fail(2);
    outcome.results = "reading nwp.csv\nmeasurements.csv: no rows at or before 2026-12-07T11:15:00+08:00\n";
    return outcome;
  });
  StartOperator();
  cluster_->Apply(RunObject("r", "p").dump());
  ASSERT_TRUE(WaitForRunPhase("r", "Failed")) << Run("r").dump(2);
  json status = Run("r")["status"];
  EXPECT_EQ(status["tasks"]["a"]["phase"], "Failed");
  EXPECT_EQ(status["tasks"]["a"]["attempt"], 1);
  EXPECT_EQ(status["tasks"]["b"]["phase"], "Omitted");
  EXPECT_EQ(status["tasks"]["a"]["message"],
            "exit code 2: measurements.csv: no rows at or before 2026-12-07T11:15:00+08:00 (not retried: "
            "exit code 2 "
            "means bad input)");
  EXPECT_EQ(
      status["message"],
      "failed tasks: a (exit code 2: measurements.csv: no rows at or before 2026-12-07T11:15:00+08:00 (not "
      "retried: exit code 2 means bad input))");
  EXPECT_EQ(SummarizeWrites(cluster_->Writes()).pod_creates, (std::map<std::string, int>{{"r-a-1", 1}}));
}

// A workspace claim nothing binds (no default StorageClass) keeps the pods Pending; the scheduler says
// why on each pod, and the run says so too: WorkspaceBound False and a Warning Event, then True once
// a pod is scheduled.
TEST_F(PipelineTest, AnUnboundWorkspaceClaimIsAConditionAndAnEvent) {
  cluster_->Apply(StepTemplate("step").dump());
  cluster_->Apply(
      PipelineObject("p", json::array({Task("a")}), {{"workspace", {{"persistentVolumeClaim", {{"claimName", "wind-data"}}}}}})
          .dump());
  StartOperator();
  cluster_->Apply(RunObject("r", "p").dump());
  ASSERT_TRUE(WaitUntil([&] { return Pod("r-a-1").has_value(); }, std::chrono::seconds(20))) << Run("r").dump(2);
  auto write_pod_status = [&](const json& status) {
    cluster_->emulator().Request("PATCH", "/api/v1/namespaces/default/pods/r-a-1/status", {{"status", status}},
                                 "application/merge-patch+json");
  };
  // What kube-scheduler writes on a pod whose claim is unbound.
  write_pod_status(
      {{"phase", "Pending"},
       {"conditions", json::array({json{{"type", "PodScheduled"},
                                        {"status", "False"},
                                        {"reason", "Unschedulable"},
                                        {"message", "0/3 nodes are available: pod has unbound immediate "
                                                    "PersistentVolumeClaims. preemption: 0/3 nodes are available: "
                                                    "3 Preemption is not helpful for scheduling."}}})}});
  auto workspace_condition = [&] {
    for (const auto& condition : Run("r").value("status", json::object()).value("conditions", json::array())) {
      if (condition.value("type", "") == "WorkspaceBound") return condition;
    }
    return json::object();
  };
  ASSERT_TRUE(WaitUntil([&] { return workspace_condition().value("status", "") == "False"; }, std::chrono::seconds(20)))
      << Run("r").dump(2);
  json condition = workspace_condition();
  EXPECT_EQ(condition["reason"], "ClaimPending");
  EXPECT_NE(condition["message"].get<std::string>().find("workspace claim wind-data is not bound"), std::string::npos)
      << condition;
  EXPECT_NE(condition["message"].get<std::string>().find("storageClassName"), std::string::npos) << condition;
  auto pending_events = [&] {
    int count = 0;
    json events = cluster_->emulator().Request("GET", "/apis/events.k8s.io/v1/namespaces/default/events");
    for (const auto& event : events.value("items", json::array())) {
      if (event["regarding"].value("name", "") == "r" && event.value("reason", "") == "WorkspaceClaimPending" &&
          event.value("type", "") == "Warning") {
        ++count;
      }
    }
    return count;
  };
  EXPECT_TRUE(WaitUntil([&] { return pending_events() == 1; }, std::chrono::seconds(10)))
      << cluster_->emulator().Request("GET", "/apis/events.k8s.io/v1/namespaces/default/events").dump(1);

  // Bound: the pod is scheduled and runs.
  write_pod_status({{"phase", "Running"},
                    {"conditions", json::array({json{{"type", "PodScheduled"}, {"status", "True"}}})}});
  EXPECT_TRUE(WaitUntil([&] { return workspace_condition().value("status", "") == "True"; }, std::chrono::seconds(20)))
      << Run("r").dump(2);
  EXPECT_EQ(workspace_condition()["reason"], "ClaimBound");
  EXPECT_EQ(pending_events(), 1);
}

TEST_F(PipelineTest, TimeoutDeletesThePodAndFailsTheTask) {
  cluster_->Apply(StepTemplate("step").dump());
  cluster_->Apply(
      PipelineObject("p", json::array({Task("a", {{"timeoutSeconds", 30}, {"retries", 3}})})).dump());
  StartKubelet([](const json&) { return PodOutcome::Hold(); });
  StartOperator();
  cluster_->Apply(RunObject("r", "p").dump());
  ASSERT_TRUE(WaitUntil([&] { return kubelet_->Held().count("r-a-1") > 0; }, std::chrono::seconds(20)))
      << Run("r").dump(2);
  EXPECT_EQ(Pod("r-a-1").value()["spec"]["activeDeadlineSeconds"], 30);
  Advance(std::chrono::seconds(31));
  ASSERT_TRUE(WaitForRunPhase("r", "Failed")) << Run("r").dump(2);
  EXPECT_EQ(Run("r")["status"]["tasks"]["a"]["reason"], "Timeout");
  EXPECT_TRUE(WaitUntil([&] { return !Pod("r-a-1"); }, std::chrono::seconds(10)));
  EXPECT_FALSE(Pod("r-a-2"));  // timeoutSeconds beats retries
}

TEST_F(PipelineTest, CancelDeletesRunningPodsAndStartsNothingMore) {
  cluster_->Apply(StepTemplate("step").dump());
  cluster_->Apply(PipelineObject("p", {Task("a"), Task("b"), Task("c", {{"dependsOn", {"a"}}})}).dump());
  StartKubelet([](const json&) { return PodOutcome::Hold(); });
  StartOperator();
  cluster_->Apply(RunObject("r", "p").dump());
  ASSERT_TRUE(WaitUntil([&] { return kubelet_->Held().size() == 2; }, std::chrono::seconds(20)));
  cluster_->MergePatch("pipelineruns", "r", {{"spec", {{"cancel", true}}}});
  ASSERT_TRUE(WaitForRunPhase("r", "Cancelled")) << Run("r").dump(2);
  EXPECT_TRUE(WaitUntil([&] { return !Pod("r-a-1") && !Pod("r-b-1"); }, std::chrono::seconds(10)));
  json status = Run("r")["status"];
  EXPECT_EQ(status["tasks"]["a"]["phase"], "Cancelled");
  EXPECT_EQ(status["tasks"]["c"]["phase"], "Cancelled");
  EXPECT_EQ(SummarizeWrites(cluster_->Writes()).pod_creates.count("r-c-1"), 0u);
}

TEST_F(PipelineTest, WhenFalseSkipsTheTaskAndItsDependentsStillRun) {
  cluster_->Apply(StepTemplate("step").dump());
  cluster_->Apply(
      PipelineObject("p",
                     {Task("a"), Task("b", {{"when", "{{pipeline.params.retrain}} == true"}}),
                      Task("c", {{"dependsOn", {"a", "b"}}})},
                     {{"params", {{{"name", "retrain"}, {"type", "boolean"}, {"default", "false"}}}}})
          .dump());
  StartKubelet([](const json&) { return PodOutcome::Succeed(); });
  StartOperator();
  cluster_->Apply(RunObject("skip", "p").dump());
  cluster_->Apply(RunObject("retrain", "p", {{"retrain", "true"}}).dump());
  ASSERT_TRUE(WaitForRunPhase("skip", "Succeeded")) << Run("skip").dump(2);
  ASSERT_TRUE(WaitForRunPhase("retrain", "Succeeded")) << Run("retrain").dump(2);
  EXPECT_EQ(TaskPhase("skip", "b"), "Skipped");
  EXPECT_EQ(TaskPhase("skip", "c"), "Succeeded");
  EXPECT_EQ(TaskPhase("retrain", "b"), "Succeeded");
  auto creates = SummarizeWrites(cluster_->Writes()).pod_creates;
  EXPECT_EQ(creates.count("skip-b-1"), 0u);
  EXPECT_EQ(creates.count("skip-c-1"), 1u);
  EXPECT_EQ(creates.count("retrain-b-1"), 1u);
}

TEST_F(PipelineTest, ParallelismBoundsRunningPods) {
  cluster_->Apply(StepTemplate("step").dump());
  json tasks = json::array();
  for (int i = 0; i < 6; ++i) tasks.push_back(Task("t" + std::to_string(i)));
  cluster_->Apply(PipelineObject("p", tasks, {{"parallelism", 2}}).dump());
  StartKubelet([](const json&) { return PodOutcome::Hold(); });
  StartOperator();
  cluster_->Apply(RunObject("r", "p").dump());
  for (int done = 0; done < 6; ++done) {
    size_t expected = std::min(2, 6 - done);
    ASSERT_TRUE(WaitUntil([&] { return kubelet_->Held().size() == expected; }, std::chrono::seconds(20)))
        << "after " << done << " completions";
    ASSERT_EQ(kubelet_->Started().size(), done + expected) << "more pods than parallelism allows";
    ASSERT_TRUE(kubelet_->Complete(*kubelet_->Held().begin(), PodOutcome::Succeed()));
  }
  ASSERT_TRUE(WaitForRunPhase("r", "Succeeded")) << Run("r").dump(2);
  // Never more than two pods between creation and completion, by the write log's order.
  PodTimeline timeline = Timeline(cluster_->Writes());
  std::vector<std::pair<int64_t, int>> marks;
  for (const auto& [name, seq] : timeline.created) marks.push_back({seq, +1});
  for (const auto& [name, seq] : timeline.finished) marks.push_back({seq, -1});
  std::sort(marks.begin(), marks.end());
  int live = 0, most = 0;
  for (const auto& [seq, delta] : marks) most = std::max(most, live += delta);
  EXPECT_EQ(most, 2);
}

TEST_F(PipelineTest, MissingPipelineFailsTheRunWithAClearMessage) {
  StartOperator();
  cluster_->Apply(RunObject("r", "nope").dump());
  ASSERT_TRUE(WaitForRunPhase("r", "Failed")) << Run("r").dump(2);
  EXPECT_NE(
      Run("r")["status"].value("message", "").find("spec.pipelineRef.name: Pipeline \"nope\" does not exist"),
      std::string::npos)
      << Run("r")["status"].dump();
}

TEST_F(PipelineTest, JobTemplateValidConditionReportsProblems) {
  cluster_->Apply(StepTemplate("good").dump());
  cluster_->Apply(StepTemplate("bad", {{"args", {"{{params.missing}}"}}, {"retries", -1}}).dump());
  StartOperator();
  auto valid = [&](const std::string& name) {
    json conditions = cluster_->Get("jobtemplates", name)
                          .value("status", json::object())
                          .value("conditions", json::array());
    return conditions.empty() ? json() : conditions[0];
  };
  ASSERT_TRUE(WaitUntil([&] { return !valid("good").is_null() && !valid("bad").is_null(); },
                        std::chrono::seconds(20)));
  EXPECT_EQ(valid("good")["type"], "Valid");
  EXPECT_EQ(valid("good")["status"], "True");
  EXPECT_EQ(valid("bad")["status"], "False");
  EXPECT_EQ(valid("bad")["reason"], "InvalidSpec");
  std::string message = valid("bad")["message"];
  EXPECT_NE(message.find("spec.retries"), std::string::npos) << message;
  EXPECT_NE(message.find("params.missing"), std::string::npos) << message;
  EXPECT_EQ(cluster_->Get("jobtemplates", "bad")["status"]["observedGeneration"], 1);
}

json PipelineValid(SeedCluster& cluster, const std::string& name) {
  for (const auto& condition : cluster.Get("pipelines", name)
                                   .value("status", json::object())
                                   .value("conditions", json::array())) {
    if (condition.value("type", "") == "Valid") return condition;
  }
  return json::object();
}

std::vector<json> EventsAbout(SeedCluster& cluster, const std::string& name) {
  std::vector<json> found;
  json events = cluster.emulator().Request("GET", "/apis/events.k8s.io/v1/namespaces/default/events");
  for (const auto& event : events.value("items", json::array())) {
    if (event["regarding"].value("name", "") == name) found.push_back(event);
  }
  return found;
}

TEST_F(PipelineTest, PipelineAppliedBeforeItsTemplateBecomesValidWithoutARestart) {
  // `kubectl apply -f dir/` applies files in name order: a Pipeline can come before its templates.
  cluster_->Apply(StepTemplate("other").dump());
  StartOperator();
  cluster_->Apply(PipelineObject("p", json::array({Task("a")})).dump());
  ASSERT_TRUE(WaitUntil([&] { return PipelineValid(*cluster_, "p").value("status", "") == "False"; },
                        std::chrono::seconds(20)));
  // The message lists the namespace's templates, as `seed validate` lists those it was given.
  std::string message = PipelineValid(*cluster_, "p")["message"];
  EXPECT_NE(message.find("JobTemplate \"step\" not found; known templates: other"), std::string::npos) << message;
  cluster_->Apply(StepTemplate("step").dump());
  EXPECT_TRUE(WaitUntil([&] { return PipelineValid(*cluster_, "p").value("status", "") == "True"; },
                        std::chrono::seconds(20)))
      << PipelineValid(*cluster_, "p").dump();
  // And back: deleting the template is seen too.
  cluster_->emulator().Request("DELETE", "/apis/seed.dev/v1alpha1/namespaces/default/jobtemplates/step");
  EXPECT_TRUE(WaitUntil([&] { return PipelineValid(*cluster_, "p").value("status", "") == "False"; },
                        std::chrono::seconds(20)))
      << PipelineValid(*cluster_, "p").dump();
}

TEST_F(PipelineTest, InvalidPipelinesGetAConditionAndAWarningEventWithTheirReason) {
  cluster_->Apply(StepTemplate("step").dump());
  cluster_->Apply(PipelineObject("zone", json::array({Task("a")}),
                                 {{"schedule", {{"cron", "0 * * * *"}, {"timeZone", "Mars/Olympus_Mons"}}}})
                      .dump());
  cluster_->Apply(
      PipelineObject("cron", json::array({Task("a")}), {{"schedule", {{"cron", "61 25 * * *"}}}}).dump());
  cluster_->Apply(PipelineObject("deps", json::array({Task("a", {{"dependsOn", {"nope"}}})})).dump());
  StartOperator();
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"zone", {"UnknownTimeZone", "spec.schedule.timeZone: \"Mars/Olympus_Mons\" is not an IANA time zone"}},
      {"cron", {"InvalidSchedule", "spec.schedule.cron: \"61\" is not a valid minute"}},
      {"deps", {"InvalidSpec", "spec.tasks[0].dependsOn[0]: unknown task \"nope\""}},
  };
  for (const auto& [name, want] : expected) {
    const auto& [reason, text] = want;
    ASSERT_TRUE(WaitUntil([&] { return PipelineValid(*cluster_, name).value("status", "") == "False"; },
                          std::chrono::seconds(20)))
        << name;
    json valid = PipelineValid(*cluster_, name);
    EXPECT_EQ(valid["reason"], reason) << valid.dump();
    EXPECT_NE(valid.value("message", "").find(text), std::string::npos) << valid.dump();
    // Events are recorded after the status write: wait (bounded) for the Warning.
    std::vector<json> warnings;
    EXPECT_TRUE(WaitUntil(
        [&] {
          warnings.clear();
          for (const auto& event : EventsAbout(*cluster_, name)) {
            if (event.value("reason", "") == reason && event.value("type", "") == "Warning") warnings.push_back(event);
          }
          return !warnings.empty();
        },
        std::chrono::seconds(10)))
        << name << ": " << json(EventsAbout(*cluster_, name)).dump();
    ASSERT_FALSE(warnings.empty());
    EXPECT_NE(warnings[0].value("note", "").find(text), std::string::npos) << warnings[0].dump();
  }
}

TEST_F(PipelineTest, StatusStaysCompactAt500Tasks) {
  cluster_->Apply(StepTemplate("step").dump());
  json tasks = json::array();
  for (int i = 0; i < 500; ++i) {
    char name[8];
    std::snprintf(name, sizeof(name), "t%03d", i);
    tasks.push_back(Task(name));
  }
  cluster_->Apply(PipelineObject("p500", tasks).dump());
  StartKubelet([](const json&) { return PodOutcome::Succeed(); }, /*skip_running=*/true);
  StartOperator();
  cluster_->Apply(RunObject("r", "p500").dump());
  ASSERT_TRUE(WaitForRunPhase("r", "Succeeded", std::chrono::seconds(120)))
      << Run("r")["status"].value("progress", "");
  json status = Run("r")["status"];
  size_t bytes = status.dump().size();
  RecordProperty("status_bytes", static_cast<int>(bytes));
  std::cout << "status of a 500-task run: " << bytes << " bytes (snapshot "
            << status["pipelineSpec"].dump().size() << ", tasks " << status["tasks"].dump().size() << ")\n";
  EXPECT_LT(bytes, 64u * 1024u);
  EXPECT_EQ(status["progress"], "500/500");
}

}  // namespace
}  // namespace seed::pipeline_testing
