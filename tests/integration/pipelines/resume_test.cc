// spec.resumeFrom through the operator against the test API emulator: a run fails in one item; a
// new run that resumes it creates pods only for that item and what depends on it, finds the reused
// artifacts under the failed run's directory of the shared workspace, and succeeds even when the
// failed run is deleted meanwhile. A run that names a missing run fails with a clear condition.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "pipeline_fixture.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;

json Object(const std::string& kind, const std::string& name, const json& spec) {
  return {
      {"apiVersion", "seed.dev/v1alpha1"}, {"kind", kind}, {"metadata", {{"name", name}}}, {"spec", spec}};
}

json Labels(const json& pod) { return pod["metadata"].value("labels", json::object()); }

json ResumeRun(const std::string& name, const std::string& failed) {
  json run = RunObject(name, "fleet");
  run["spec"]["resumeFrom"] = {{"name", failed}};
  return run;
}

// plants (a value list and an artifact) -> forecast per plant (an artifact and a value) -> summary.
void ApplyFleet(SeedCluster& cluster) {
  cluster.Apply(
      Object(
          "JobTemplate", "plants",
          {{"command", {"seed-job", "plants"}},
           {"args", {"--out", "{{outputs.table}}"}},
           {"outputs", {{{"name", "plants"}, {"kind", "value"}}, {{"name", "table"}, {"kind", "artifact"}}}}})
          .dump());
  cluster.Apply(
      Object(
          "JobTemplate", "forecast",
          {{"command", {"seed-job", "forecast"}},
           {"args",
            {"--plant", "{{params.plant}}", "--table", "{{params.table}}", "--out", "{{outputs.forecast}}"}},
           {"params", {{{"name", "plant"}, {"required", true}}, {{"name", "table"}, {"required", true}}}},
           {"outputs",
            {{{"name", "accuracy"}, {"kind", "value"}}, {{"name", "forecast"}, {"kind", "artifact"}}}}})
          .dump());
  cluster.Apply(
      Object("JobTemplate", "summary",
             {{"command", {"seed-job", "summary"}},
              {"args", {"--accuracy", "{{params.accuracy}}", "--forecasts", "{{params.forecasts}}"}},
              {"params",
               {{{"name", "accuracy"}, {"required", true}}, {{"name", "forecasts"}, {"required", true}}}}})
          .dump());
  json plants = json::array();
  for (int i = 1; i <= 12; ++i)
    plants.push_back({{"id", "wf" + std::string(i < 10 ? "0" : "") + std::to_string(i)}});
  cluster.Apply(
      Object("Pipeline", "fleet",
             {{"parallelism", 4},
              {"workspace", {{"persistentVolumeClaim", {{"claimName", "fleet-data"}}}}},
              {"tasks",
               {{{"name", "plants"}, {"templateRef", {{"name", "plants"}}}},
                {{"name", "forecast"},
                 {"templateRef", {{"name", "forecast"}}},
                 {"withParam", "{{tasks.plants.outputs.plants}}"},
                 {"params", {{"plant", "{{item.id}}"}, {"table", "{{tasks.plants.outputs.table}}"}}}},
                {{"name", "summary"},
                 {"templateRef", {{"name", "summary"}}},
                 {"params",
                  {{"accuracy", "{{tasks.forecast.outputs.accuracy}}"},
                   {"forecasts", "{{tasks.forecast.outputs.forecast}}"}}}}}}})
          .dump());
}

TEST_F(PipelineTest, AResumedRunCreatesPodsOnlyForTheFailedItemAndItsDependents) {
  ApplyFleet(*cluster_);
  std::atomic<bool> item_seven_fails{true};
  StartKubelet([&](const json& pod) {
    json labels = Labels(pod);
    std::string task = labels.value("seed.dev/task", "");
    if (task == "plants") {
      json plants = json::array();
      for (int i = 1; i <= 12; ++i)
        plants.push_back({{"id", "wf" + std::string(i < 10 ? "0" : "") + std::to_string(i)}});
      return PodOutcome::Succeed(json{{"plants", plants}}.dump());
    }
    if (task == "forecast") {
      int item = std::stoi(labels.value("seed.dev/item", "-1"));
      if (item == 7 && item_seven_fails) return PodOutcome::Fail(1);
      return PodOutcome::Succeed(json{{"accuracy", 0.8 + item / 100.0}}.dump());
    }
    return PodOutcome::Succeed();
  });
  StartOperator();
  cluster_->Apply(RunObject("fleet-1", "fleet").dump());
  ASSERT_TRUE(WaitForRunPhase("fleet-1", "Failed", std::chrono::seconds(60))) << Run("fleet-1").dump(2);
  ASSERT_EQ(Run("fleet-1")["status"]["tasks"]["forecast"]["items"]["phases"], "SSSSSSSFSSSS");
  const size_t writes_before = cluster_->Writes().size();

  // The cause is fixed; resume. Once the resumed run recorded what it reused, the failed run may go.
  item_seven_fails = false;
  cluster_->Apply(ResumeRun("fleet-1-resume", "fleet-1").dump());
  ASSERT_TRUE(
      WaitUntil([&] { return Run("fleet-1-resume").value("status", json::object()).contains("resumedFrom"); },
                std::chrono::seconds(30)))
      << Run("fleet-1-resume").dump(2);
  cluster_->Delete("pipelineruns", "fleet-1");
  ASSERT_TRUE(WaitForRunPhase("fleet-1-resume", "Succeeded", std::chrono::seconds(60)))
      << Run("fleet-1-resume").dump(2);

  // Exactly two pods were created after the failure, each once: item 7 (attempt 1) and the summary.
  std::vector<json> writes = cluster_->Writes();
  std::map<std::string, int> creates;
  for (size_t i = writes_before; i < writes.size(); ++i) {
    const json& write = writes[i];
    if (write.value("resource", "") == "pods" && write.value("verb", "") == "create" &&
        write.value("code", 0) < 300)
      ++creates[write.value("name", "")];
  }
  std::map<std::string, json> resumed_pods;
  for (const auto& pod : cluster_->List("pods")) {
    if (Labels(pod).value("seed.dev/pipelinerun", "") == "fleet-1-resume")
      resumed_pods[pod["metadata"]["name"].get<std::string>()] = pod;
  }
  ASSERT_EQ(creates.size(), 2u) << json(creates).dump();
  for (const auto& [name, count] : creates) {
    EXPECT_EQ(count, 1) << name;
    ASSERT_TRUE(resumed_pods.count(name)) << name << " is not a pod of the resumed run";
  }
  std::set<std::string> made;
  for (const auto& [name, pod] : resumed_pods) {
    json labels = Labels(pod);
    std::string what = labels.value("seed.dev/task", "") + "/" + labels.value("seed.dev/item", "-") + "/" +
                       labels.value("seed.dev/attempt", "");
    made.insert(what);
    json args = pod["spec"]["containers"][0]["args"];
    if (labels.value("seed.dev/task", "") == "forecast") {
      // The reused plants table is under the failed run's directory; item 7 writes under its own run.
      EXPECT_EQ(args[3], "/seed/workspace/fleet-1/plants/table");
      EXPECT_EQ(args[5], "/seed/workspace/fleet-1-resume/forecast/7/forecast");
    } else {
      json forecasts = json::parse(args[3].get<std::string>());
      ASSERT_EQ(forecasts.size(), 12u);
      for (int i = 0; i < 12; ++i) {
        EXPECT_EQ(forecasts[i], "/seed/workspace/" + std::string(i == 7 ? "fleet-1-resume" : "fleet-1") +
                                    "/forecast/" + std::to_string(i) + "/forecast");
      }
      json accuracy = json::parse(args[1].get<std::string>());
      ASSERT_EQ(accuracy.size(), 12u);
      EXPECT_DOUBLE_EQ(accuracy[7].get<double>(), 0.87);
      EXPECT_DOUBLE_EQ(accuracy[0].get<double>(), 0.8);
    }
    // Every pod mounts the shared claim the failed run's artifacts are on.
    bool shared = false;
    for (const auto& volume : pod["spec"].value("volumes", json::array()))
      shared =
          shared || volume.value("/persistentVolumeClaim/claimName"_json_pointer, json("")) == "fleet-data";
    EXPECT_TRUE(shared) << pod["spec"].dump();
  }
  EXPECT_EQ(made, (std::set<std::string>{"forecast/7/1", "summary/-/1"}));

  json status = Run("fleet-1-resume")["status"];
  EXPECT_EQ(status["resumedFrom"]["name"], "fleet-1");
  EXPECT_EQ(status["tasks"]["plants"]["reusedFrom"], "fleet-1");
  EXPECT_EQ(status["tasks"]["plants"]["podName"], "fleet-1-plants-1");
  EXPECT_EQ(status["tasks"]["forecast"]["items"]["phases"], std::string(12, 'S'));
  EXPECT_EQ(status["tasks"]["forecast"]["items"]["reusedFrom"], json({{"fleet-1", "0-6,8-11"}}));
  EXPECT_EQ(status["tasks"]["summary"]["phase"], "Succeeded");

  // Events tell what this run did: the reused plants task did not run here.
  std::multiset<std::string> events;
  auto read_events = [&] {
    json list = cluster_->emulator().Request("GET", "/apis/events.k8s.io/v1/namespaces/default/events");
    events.clear();
    for (const auto& event : list.value("items", json::array())) {
      if (event["regarding"].value("name", "") == "fleet-1-resume")
        events.insert(event.value("reason", "") + ": " + event.value("note", ""));
    }
    return std::any_of(events.begin(), events.end(),
                       [](const std::string& e) { return e.rfind("RunSucceeded", 0) == 0; });
  };
  ASSERT_TRUE(WaitUntil(read_events, std::chrono::seconds(10))) << json(events).dump();
  for (const auto& event : events) EXPECT_EQ(event.find("task plants"), std::string::npos) << event;
  EXPECT_EQ(events.count("TaskSucceeded: task summary succeeded (attempt 1)"), 1u) << json(events).dump();
}

TEST_F(PipelineTest, AResumeOfAMissingOrSucceededRunFailsWithAConditionAndNoPods) {
  ApplyFleet(*cluster_);
  StartKubelet([](const json&) { return PodOutcome::Succeed(R"({"plants": [], "accuracy": 1})"); });
  StartOperator();
  cluster_->Apply(ResumeRun("fleet-2", "fleet-9").dump());
  ASSERT_TRUE(WaitForRunPhase("fleet-2", "Failed", std::chrono::seconds(30))) << Run("fleet-2").dump(2);
  json condition = Run("fleet-2")["status"]["conditions"][0];
  EXPECT_EQ(condition["reason"], "InvalidSpec");
  EXPECT_NE(condition["message"].get<std::string>().find(
                "spec.resumeFrom.name: PipelineRun \"fleet-9\" does not exist in namespace default"),
            std::string::npos)
      << condition.dump();

  cluster_->Apply(RunObject("fleet-3", "fleet").dump());  // no plants: forecast is Skipped, summary runs
  ASSERT_TRUE(WaitForRunPhase("fleet-3", "Succeeded", std::chrono::seconds(30))) << Run("fleet-3").dump(2);
  cluster_->Apply(ResumeRun("fleet-4", "fleet-3").dump());
  ASSERT_TRUE(WaitForRunPhase("fleet-4", "Failed", std::chrono::seconds(30))) << Run("fleet-4").dump(2);
  EXPECT_NE(Run("fleet-4")["status"]["message"].get<std::string>().find(
                "PipelineRun \"fleet-3\" succeeded: there is nothing to resume"),
            std::string::npos)
      << Run("fleet-4")["status"].dump();
  for (const auto& pod : cluster_->List("pods")) {
    std::string run = Labels(pod).value("seed.dev/pipelinerun", "");
    EXPECT_TRUE(run != "fleet-2" && run != "fleet-4") << pod["metadata"]["name"];
  }
}

}  // namespace
}  // namespace seed::pipeline_testing
