// finally tasks ({{run.status}}, {{run.failures}}; after success, failure and cancel), status-
// conditioned dependencies (dependsOn with `on`, Argo-style `depends` expressions) and continueOn.
#include <gtest/gtest.h>

#include "api/depends_expression.h"
#include "engine/depends.h"
#include "engine/planner.h"
#include "plan_driver.h"

namespace seed::engine {
namespace {

json StepTemplate(bool with_output = false) {
  json tmpl = {{"command", {"seed-job", "step"}},
               {"args", {"{{params.note}}"}},
               {"params", {{{"name", "note"}, {"type", "string"}, {"default", "-"}}}}};
  if (with_output) tmpl["outputs"] = {{{"name", "score"}, {"kind", "value"}}};
  return tmpl;
}

json NotifyTemplate() {
  return {{"command", {"seed-job", "notify"}},
          {"args", {"--status", "{{params.status}}", "--failures", "{{params.failures}}"}},
          {"params", {{{"name", "status"}, {"type", "string"}}, {{"name", "failures"}, {"type", "string"}}}}};
}

json FleetWithFinally() {
  return {{"tasks",
           {{{"name", "fetch"}, {"templateRef", {{"name", "step"}}}},
            {{"name", "train"}, {"templateRef", {{"name", "step"}}}, {"dependsOn", {"fetch"}}}}},
          {"finally",
           {{{"name", "notify"},
             {"templateRef", {{"name", "notify"}}},
             {"params", {{"status", "{{run.status}}"}, {"failures", "{{run.failures}}"}}}},
            {{"name", "cleanup"}, {"templateRef", {{"name", "step"}}}, {"dependsOn", {"notify"}}}}}};
}

Driver::Outcome FailTask(const std::string& failing) {
  return [failing](const TaskLaunch& launch) {
    if (launch.task == failing)
      return std::make_pair(int64_t{1}, std::string(R"({"error": "NWP file missing"})"));
    return std::make_pair(int64_t{0}, std::string("{}"));
  };
}

TEST(FinallyTest, RunsAfterSuccessWithTheRunStatus) {
  Driver driver(FleetWithFinally(), {{"step", StepTemplate()}, {"notify", NotifyTemplate()}});
  ASSERT_TRUE(driver.errors().empty()) << api::FormatError(driver.errors().front());
  Plan plan = driver.Step();
  ASSERT_EQ(LaunchedTasks(plan),
            std::vector<std::string>{"fetch"});  // fetch only: finally waits for every main task
  plan = driver.FinishThenStep(FailTask(""));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"train"});
  plan = driver.FinishThenStep(FailTask(""));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"notify"});
  EXPECT_EQ(plan.create[0].spec.args,
            (std::vector<std::string>{"--status", "Succeeded", "--failures", "[]"}));
  EXPECT_EQ(plan.status.phase, api::RunPhase::kRunning);
  plan = driver.FinishThenStep(FailTask(""));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"cleanup"});
  plan = driver.FinishThenStep(FailTask(""));
  EXPECT_EQ(plan.status.phase, api::RunPhase::kSucceeded);
  EXPECT_EQ(plan.status.progress, "4/4");
}

TEST(FinallyTest, RunsAfterFailureWithTheFailuresAndTheRunStaysFailed) {
  Driver driver(FleetWithFinally(), {{"step", StepTemplate()}, {"notify", NotifyTemplate()}});
  driver.Step();
  Plan plan = driver.FinishThenStep(FailTask("fetch"));
  EXPECT_EQ(plan.status.tasks.at("train").phase, api::TaskPhase::kOmitted);
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"notify"});
  EXPECT_EQ(plan.create[0].spec.args[1], "Failed");
  EXPECT_EQ(json::parse(plan.create[0].spec.args[3]),
            json::parse(R"([{"task": "fetch", "reason": "", "message": "exit code 1: NWP file missing"}])"));
  // The finally task fails too: reported, but the run's outcome is still the main tasks'.
  plan = driver.FinishThenStep(FailTask("notify"));
  EXPECT_EQ(plan.status.tasks.at("cleanup").phase, api::TaskPhase::kOmitted);
  EXPECT_EQ(plan.status.phase, api::RunPhase::kFailed);
  EXPECT_EQ(
      plan.status.message,
      "failed tasks: fetch (exit code 1: NWP file missing); failed finally tasks: notify (exit code 1: NWP "
      "file missing)");
}

TEST(FinallyTest, AFailingFinallyTaskAfterSuccessIsReportedButTheRunSucceeded) {
  Driver driver(FleetWithFinally(), {{"step", StepTemplate()}, {"notify", NotifyTemplate()}});
  for (int i = 0; i < 2; ++i) {
    driver.Step();
    driver.FinishRunning(FailTask(""));
  }
  driver.Step();
  Plan plan = driver.FinishThenStep(FailTask("notify"));
  EXPECT_EQ(plan.status.phase, api::RunPhase::kSucceeded);
  EXPECT_EQ(plan.status.message, "failed finally tasks: notify (exit code 1: NWP file missing)");
  ASSERT_FALSE(plan.status.conditions.empty());
  EXPECT_EQ(plan.status.conditions[0].message,
            "all tasks finished; failed finally tasks: notify (exit code 1: NWP file missing)");
}

TEST(FinallyTest, RunsAfterCancelWithABoundedTimeoutAndTheRunEndsCancelled) {
  Driver driver(FleetWithFinally(), {{"step", StepTemplate()}, {"notify", NotifyTemplate()}});
  driver.Step();
  driver.Cancel();
  Plan plan = driver.Step();
  // fetch's pod is stopped, train never starts, and notify starts at once with a 600 s deadline.
  ASSERT_EQ(plan.remove.size(), 1u);
  EXPECT_EQ(plan.remove[0].task, "fetch");
  EXPECT_EQ(plan.status.tasks.at("fetch").phase, api::TaskPhase::kCancelled);
  EXPECT_EQ(plan.status.tasks.at("train").phase, api::TaskPhase::kCancelled);
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"notify"});
  EXPECT_EQ(plan.create[0].spec.args[1], "Cancelled");
  EXPECT_EQ(plan.create[0].active_deadline_seconds, 600);
  EXPECT_EQ(plan.status.phase, api::RunPhase::kRunning);
  EXPECT_EQ(plan.status.message, "cancelled; running the finally tasks");
  plan = driver.FinishThenStep(FailTask(""));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"cleanup"});
  plan = driver.FinishThenStep(FailTask(""));
  EXPECT_EQ(plan.status.phase, api::RunPhase::kCancelled);
  EXPECT_EQ(plan.status.message, "cancelled");
}

TEST(FinallyTest, RunFailuresListTheFailedItemsOfAFanOut) {
  json pipeline = {{"tasks",
                    {{{"name", "fan"},
                      {"templateRef", {{"name", "step"}}},
                      {"withItems", {"a", "b", "c"}},
                      {"params", {{"note", "{{item}}"}}}}}},
                   {"finally",
                    {{{"name", "notify"},
                      {"templateRef", {{"name", "notify"}}},
                      {"params", {{"status", "{{run.status}}"}, {"failures", "{{run.failures}}"}}}}}}};
  Driver driver(pipeline, {{"step", StepTemplate()}, {"notify", NotifyTemplate()}});
  ASSERT_TRUE(driver.errors().empty()) << api::FormatError(driver.errors().front());
  driver.Step();
  driver.FinishRunning([](const TaskLaunch& launch) {
    return launch.item == 1 ? std::make_pair(int64_t{1}, std::string(R"({"error": "no data"})"))
                            : std::make_pair(int64_t{0}, std::string("{}"));
  });
  Plan plan = driver.Step();  // the item fails, the fan-out fails and notify starts, in one pass
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"notify"});
  EXPECT_EQ(json::parse(plan.create[0].spec.args[3]),
            json::parse(R"([{"task": "fan", "item": 1, "reason": "", "message": "exit code 1: no data"}])"));
}

TEST(FinallyTest, ValidationKeepsFinallyTasksApart) {
  auto errors_of = [](const json& spec) {
    api::ValidationErrors errors;
    api::ParsePipelineSpec(spec, "spec", &errors);
    std::string text;
    for (const auto& error : errors) text += api::FormatError(error) + "\n";
    return text;
  };
  json spec = {
      {"tasks",
       {{{"name", "a"}, {"templateRef", {{"name", "t"}}}, {"dependsOn", {"z"}}},
        {{"name", "b"}, {"templateRef", {{"name", "t"}}}, {"params", {{"x", "{{run.status}}"}}}}}},
      {"finally",
       {{{"name", "z"}, {"templateRef", {{"name", "t"}}}, {"dependsOn", {"a"}}},
        {{"name", "a2"}, {"templateRef", {{"name", "t"}}}, {"params", {{"x", "{{tasks.a.outputs.o}}"}}}}}}};
  std::string text = errors_of(spec);
  EXPECT_NE(text.find("spec.tasks[0].dependsOn[0]: \"z\" is a finally task"), std::string::npos) << text;
  EXPECT_NE(text.find("spec.tasks[1].params.x: {{run.status}} is only defined in a finally task"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("spec.finally[0].dependsOn[0]: a finally task runs after every task of spec.tasks"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("spec.finally[1]"), std::string::npos) << text;  // reading main outputs is fine
}

TEST(DependsTest, ParsesAndReportsPreciseErrors) {
  auto parsed = api::ParseDepends("train.Failed || (train.Succeeded && !evaluate.Skipped)");
  ASSERT_EQ(parsed.error, "");
  EXPECT_EQ(parsed.tasks, (std::vector<std::string>{"train", "evaluate"}));
  EXPECT_EQ(api::FormatDepends(parsed.expression), "train.Failed || train.Succeeded && !evaluate.Skipped");
  EXPECT_EQ(api::FormatDepends(api::ParseDepends("(a || b) && c").expression), "(a || b) && c");
  EXPECT_EQ(api::ParseDepends("train.Faild").error,
            "unknown state \"Faild\" of task train (use Succeeded, Failed, Skipped, Omitted, Cancelled, "
            "AnySucceeded, "
            "AllFailed) at column 7");
  EXPECT_EQ(api::ParseDepends("a | b").error, "a single \"|\" is not an operator: use || or && at column 3");
  EXPECT_EQ(api::ParseDepends("(a || b").error, "missing \")\" at column 8");
  EXPECT_EQ(api::ParseDepends("a &&").error,
            "expected a task name after the operator but the text ended at column 5");
  EXPECT_EQ(api::ParseDepends("a b").error, "unexpected \"b\" at column 3");
  EXPECT_EQ(api::ParseDepends("  ").error,
            "is empty: write a condition such as \"train.Failed || train.Skipped\"");
  EXPECT_EQ(api::ParseDepends("Train").error,
            "expected a task name (lower-case letters, digits and '-'), found \"T\" at column 1");
}

TEST(DependsTest, EvaluatesStatesIncludingFanOutOnes) {
  std::map<std::string, api::TaskStatus> tasks;
  tasks["train"].phase = api::TaskPhase::kFailed;
  tasks["qc"].phase = api::TaskPhase::kSkipped;
  tasks["fan"].phase = api::TaskPhase::kFailed;
  tasks["fan"].items = api::FanOutStatus{"SFF", {}, {}, {}};
  auto eval = [&](const std::string& text) {
    auto parsed = api::ParseDepends(text);
    EXPECT_EQ(parsed.error, "") << text;
    return EvaluateDepends(parsed.expression, tasks);
  };
  EXPECT_TRUE(eval("train.Failed || train.Skipped"));
  EXPECT_FALSE(eval("train"));
  EXPECT_TRUE(eval("qc"));
  EXPECT_TRUE(eval("fan.AnySucceeded && !fan.AllFailed"));
  tasks["fan"].items->phases = "FFF";
  EXPECT_TRUE(eval("fan.AllFailed && !fan.AnySucceeded"));
  EXPECT_FALSE(eval("unknown.Succeeded"));
}

TEST(DependsTest, ConditionedDependenciesChooseTheBranch) {
  json pipeline = {{"tasks",
                    {{{"name", "train"}, {"templateRef", {{"name", "step"}}}},
                     {{"name", "fallback"},
                      {"templateRef", {{"name", "step"}}},
                      {"dependsOn", {{{"task", "train"}, {"on", "Failed"}}}}},
                     {{"name", "publish"},
                      {"templateRef", {{"name", "step"}}},
                      {"depends", "train.Succeeded || fallback.Succeeded"}},
                     {{"name", "alert"},
                      {"templateRef", {{"name", "step"}}},
                      {"depends", "train.Failed && fallback.Failed"}}}}};
  Driver driver(pipeline, {{"step", StepTemplate()}});
  ASSERT_TRUE(driver.errors().empty()) << api::FormatError(driver.errors().front());
  driver.Step();
  Plan plan = driver.FinishThenStep(FailTask("train"));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"fallback"});
  plan = driver.FinishThenStep(FailTask(""));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"publish"});
  const auto& alert = plan.status.tasks.at("alert");
  EXPECT_EQ(alert.phase, api::TaskPhase::kOmitted);
  EXPECT_EQ(alert.reason, "DependsFalse");
  EXPECT_EQ(
      alert.message,
      "not run: depends \"train.Failed && fallback.Failed\" is false (train Failed, fallback Succeeded)");
  plan = driver.FinishThenStep(FailTask(""));
  // train failed without continueOn: the run fails although the fallback covered it.
  EXPECT_EQ(plan.status.phase, api::RunPhase::kFailed);
  EXPECT_EQ(plan.status.message, "failed tasks: train (exit code 1: NWP file missing)");
}

TEST(DependsTest, ContinueOnFailedLetsDependentsRunAndTheRunSucceed) {
  json pipeline = {{"tasks",
                    {{{"name", "nwp-b"}, {"templateRef", {{"name", "scored"}}}, {"continueOn", "failed"}},
                     {{"name", "fuse"}, {"templateRef", {{"name", "step"}}}, {"dependsOn", {"nwp-b"}}},
                     {{"name", "use-b"},
                      {"templateRef", {{"name", "step"}}},
                      {"params", {{"note", "{{tasks.nwp-b.outputs.score}}"}}}}}}};
  Driver driver(pipeline, {{"step", StepTemplate()}, {"scored", StepTemplate(true)}});
  ASSERT_TRUE(driver.errors().empty()) << api::FormatError(driver.errors().front());
  driver.Step();
  Plan plan = driver.FinishThenStep(FailTask("nwp-b"));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"fuse"});
  EXPECT_EQ(plan.status.tasks.at("use-b").phase, api::TaskPhase::kSkipped);  // its input does not exist
  plan = driver.FinishThenStep(FailTask(""));
  EXPECT_EQ(plan.status.phase, api::RunPhase::kSucceeded);
  api::ValidationErrors errors;
  api::ParsePipelineSpec({{"tasks",
                           {{{"name", "a"}, {"templateRef", {{"name", "t"}}}, {"continueOn", "error"}},
                            {{"name", "b"}, {"templateRef", {{"name", "t"}}}, {"depends", "a.Faild"}},
                            {{"name", "c"},
                             {"templateRef", {{"name", "t"}}},
                             {"dependsOn", {{{"task", "a"}, {"on", "Done"}}}}}}}},
                         "spec", &errors);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(api::FormatError(errors[0]).rfind("spec.tasks[0].continueOn: \"error\" is not allowed", 0), 0u);
  EXPECT_EQ(api::FormatError(errors[1]).rfind("spec.tasks[1].depends: \"a.Faild\": unknown state", 0), 0u);
  EXPECT_EQ(
      api::FormatError(errors[2]).rfind("spec.tasks[2].dependsOn[0].on: \"Done\" is not a task state", 0),
      0u);
}

}  // namespace
}  // namespace seed::engine
