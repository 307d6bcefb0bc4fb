// spec.resumeFrom in the planner: a new run (another name) that resumes a failed one gets the
// failed run as an input, reuses its succeeded tasks and items with their outputs, runs only what
// failed or never ran, and finds the reused artifacts under the run they came from.
#include "engine/resume.h"

#include <gtest/gtest.h>

#include "api/pipeline.h"
#include "engine/planner.h"
#include "plan_driver.h"

namespace seed::engine {
namespace {

json PlantsTemplate() {
  return {{"command", {"seed-job", "plants"}},
          {"args", {"--day", "{{params.day}}", "--out", "{{outputs.table}}"}},
          {"params", {{{"name", "day"}, {"type", "string"}, {"required", true}}}},
          {"outputs", {{{"name", "table"}, {"kind", "artifact"}, {"file", "plants.csv"}}}}};
}

json ScoreTemplate() {
  return {
      {"command", {"seed-job", "score"}},
      {"args", {"--plant", "{{params.plant}}", "--table", "{{params.table}}", "--out", "{{outputs.report}}"}},
      {"params",
       {{{"name", "plant"}, {"type", "string"}, {"required", true}},
        {{"name", "table"}, {"type", "string"}, {"required", true}}}},
      {"outputs", {{{"name", "score"}, {"kind", "value"}}, {{"name", "report"}, {"kind", "artifact"}}}}};
}

json SummaryTemplate() {
  return {{"command", {"seed-job", "summary"}},
          {"args", {"--scores", "{{params.scores}}", "--reports", "{{params.reports}}"}},
          {"params",
           {{{"name", "scores"}, {"type", "string"}, {"required", true}},
            {{"name", "reports"}, {"type", "string"}, {"required", true}}}}};
}

// plants -> score (12 items, one per plant) -> summary (the scores and the reports' paths).
json FleetPipeline() {
  json items = json::array();
  for (int i = 0; i < 12; ++i) items.push_back("wf" + std::to_string(i + 1));
  return {
      {"params", {{{"name", "day"}, {"type", "string"}, {"required", true}}}},
      {"parallelism", 4},
      {"tasks",
       {{{"name", "plants"},
         {"templateRef", {{"name", "plants"}}},
         {"params", {{"day", "{{pipeline.params.day}}"}}}},
        {{"name", "score"},
         {"templateRef", {{"name", "score"}}},
         {"withItems", items},
         {"params", {{"plant", "{{item}}"}, {"table", "{{tasks.plants.outputs.table}}"}}}},
        {{"name", "summary"},
         {"templateRef", {{"name", "summary"}}},
         {"params",
          {{"scores", "{{tasks.score.outputs.score}}"}, {"reports", "{{tasks.score.outputs.report}}"}}}}}}};
}

std::map<std::string, json> FleetTemplates() {
  return {{"plants", PlantsTemplate()}, {"score", ScoreTemplate()}, {"summary", SummaryTemplate()}};
}

Driver::Outcome Outcomes(int failing_item, bool fail_summary = false) {
  return [=](const TaskLaunch& launch) {
    if (launch.task == "summary") {
      if (fail_summary) return std::make_pair(int64_t{1}, std::string(R"({"error": "disk full"})"));
      return std::make_pair(int64_t{0}, std::string("{}"));
    }
    if (launch.task == "plants") return std::make_pair(int64_t{0}, std::string("{}"));
    if (launch.item == failing_item) return std::make_pair(int64_t{1}, std::string(R"({"error": "no NWP"})"));
    return std::make_pair(int64_t{0}, json{{"score", launch.item * 10}}.dump());
  };
}

void RunToEnd(Driver* driver, const Driver::Outcome& outcome) {
  for (int step = 0; step < 30 && !api::IsTerminal(driver->status().phase); ++step) {
    driver->Step();
    driver->FinishRunning(outcome);
  }
  driver->Step();
}

// The failed run: fleet-1, scheduled 2026-11-21T16:00Z with day=2026-11-22; item 7 fails.
Driver FailedRun() {
  Driver first(FleetPipeline(), FleetTemplates());
  first.input().run.spec.params = {{"day", "2026-11-22"}};
  first.input().run.spec.scheduled_time = *api::ParseRfc3339("2026-11-21T16:00:00Z");
  RunToEnd(&first, Outcomes(7));
  return first;
}

// A run named `name` that resumes `failed` (spec.resumeFrom), with no params of its own.
Driver Resuming(const std::string& name, const api::PipelineRun& failed) {
  Driver resumed(FleetPipeline(), FleetTemplates());
  resumed.input().run.metadata.name = name;
  resumed.input().run.spec.resume_from = failed.metadata.name;
  resumed.input().snapshot =
      ParseSnapshot(failed.status.pipeline_spec, &resumed.input().snapshot_errors);  // the failed run's
  resumed.input().resume_from = failed;
  resumed.Advance(std::chrono::hours(2));
  return resumed;
}

std::string Reports(const std::string& item_seven_run) {
  json reports = json::array();
  for (int i = 0; i < 12; ++i)
    reports.push_back("/seed/workspace/" + (i == 7 ? item_seven_run : "fleet-1") + "/score/" +
                      std::to_string(i) + "/report");
  return reports.dump();
}

TEST(ResumeFromTest, AfterItemSevenOfTwelveFailedOnlyItemSevenThenTheSummaryRun) {
  Driver first = FailedRun();
  ASSERT_EQ(first.status().phase, api::RunPhase::kFailed) << first.status().message;
  ASSERT_EQ(first.status().tasks.at("score").items->phases, "SSSSSSSFSSSS");
  ASSERT_EQ(first.status().tasks.at("summary").phase, api::TaskPhase::kOmitted);
  api::PipelineRun failed = first.input().run;

  Driver resumed = Resuming("fleet-2", failed);
  ASSERT_TRUE(resumed.errors().empty());
  // The exact first plan: item 7 of score, attempt 1, its report under the new run, the plants
  // table (reused) under the failed run's directory, the failed run's scheduled time.
  Plan plan = resumed.Step();
  ASSERT_EQ(plan.create.size(), 1u);
  const TaskLaunch& seven = plan.create[0];
  EXPECT_EQ(seven.task, "score");
  EXPECT_EQ(seven.item, 7);
  EXPECT_EQ(seven.attempt, 1);
  EXPECT_EQ(seven.spec.args, (std::vector<std::string>{"--plant", "wf8", "--table",
                                                       "/seed/workspace/fleet-1/plants/plants.csv", "--out",
                                                       "/seed/workspace/fleet-2/score/7/report"}));
  EXPECT_EQ(seven.scheduled_time, *api::ParseRfc3339("2026-11-21T16:00:00Z"));
  EXPECT_TRUE(plan.remove.empty());
  // The status records the origins once, so the failed run may go.
  const auto& status = plan.status;
  ASSERT_TRUE(status.resumed_from);
  EXPECT_EQ(status.resumed_from->name, "fleet-1");
  EXPECT_EQ(status.resumed_from->params, (std::map<std::string, std::string>{{"day", "2026-11-22"}}));
  EXPECT_EQ(status.resumed_from->scheduled_time, *api::ParseRfc3339("2026-11-21T16:00:00Z"));
  EXPECT_EQ(status.tasks.at("plants").phase, api::TaskPhase::kSucceeded);
  EXPECT_EQ(status.tasks.at("plants").reused_from, "fleet-1");
  EXPECT_EQ(status.tasks.at("score").items->phases, "SSSSSSSRSSSS");
  EXPECT_EQ(status.tasks.at("score").items->reused_from.size(), 11u);
  EXPECT_EQ(status.tasks.at("score").items->reused_from.count(7), 0u);
  EXPECT_EQ(status.tasks.at("score").reused_from, "");
  EXPECT_EQ(status.tasks.at("summary").phase, api::TaskPhase::kPending);
  json stored = api::PipelineRunStatusToJson(status);
  EXPECT_EQ(stored["tasks"]["score"]["items"]["reusedFrom"], json({{"fleet-1", "0-6,8-11"}}));
  api::PipelineRunStatus read = api::PipelineRunStatusFromJson(stored);
  EXPECT_EQ(read.resumed_from, status.resumed_from);
  EXPECT_EQ(read.tasks, status.tasks);

  // The failed run is not needed any more: later plans read the new run's status.
  resumed.input().resume_from.reset();
  plan = resumed.FinishThenStep(Outcomes(-1));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"summary"});
  EXPECT_EQ(json::parse(plan.create[0].params.at("scores")),
            json::parse("[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]"));
  EXPECT_EQ(plan.create[0].params.at("reports"), Reports("fleet-2"));
  plan = resumed.FinishThenStep(Outcomes(-1));
  EXPECT_EQ(plan.status.phase, api::RunPhase::kSucceeded) << plan.status.message;
  ASSERT_EQ(resumed.launches().size(), 2u);  // item 7 and the summary: nothing reused ran again
}

// A resumed run that fails again is resumed in turn: every reused task and item keeps the run
// its artifacts are in (fleet-1 for most items, fleet-2 for item 7).
TEST(ResumeFromTest, AResumedRunThatFailsIsResumedWithEachItemsOrigin) {
  Driver first = FailedRun();
  Driver second = Resuming("fleet-2", first.input().run);
  RunToEnd(&second, Outcomes(-1, /*fail_summary=*/true));
  ASSERT_EQ(second.status().phase, api::RunPhase::kFailed);
  ASSERT_EQ(second.launches().size(), 2u);

  Driver third = Resuming("fleet-3", second.input().run);
  Plan plan = third.Step();
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"summary"});
  EXPECT_EQ(plan.create[0].params.at("reports"), Reports("fleet-2"));
  EXPECT_EQ(plan.status.tasks.at("plants").reused_from, "fleet-1");
  EXPECT_EQ(plan.status.tasks.at("score").reused_from, "fleet-2");
  ASSERT_TRUE(plan.status.resumed_from);
  EXPECT_EQ(plan.status.resumed_from->name, "fleet-2");
  EXPECT_EQ(plan.status.resumed_from->params.at("day"), "2026-11-22");  // fleet-1's, through fleet-2
  EXPECT_EQ(plan.status.resumed_from->scheduled_time, *api::ParseRfc3339("2026-11-21T16:00:00Z"));
}

// The finally task ran in the failed run (and reported its failure); in the resumed run it runs
// again, after the rest, and sees the resumed run's outcome.
TEST(ResumeFromTest, FinallyTasksRunAgainAndSeeTheResumedOutcome) {
  json pipeline = FleetPipeline();
  pipeline["finally"] = {
      {{"name", "alert"}, {"templateRef", {{"name", "alert"}}}, {"params", {{"status", "{{run.status}}"}}}}};
  std::map<std::string, json> templates = FleetTemplates();
  templates["alert"] = {{"command", {"seed-job", "notify"}},
                        {"args", {"--status", "{{params.status}}"}},
                        {"params", {{{"name", "status"}, {"required", true}}}}};
  Driver first(pipeline, templates);
  first.input().run.spec.params = {{"day", "2026-11-22"}};
  RunToEnd(&first, Outcomes(7));
  ASSERT_EQ(first.status().phase, api::RunPhase::kFailed);
  ASSERT_EQ(first.status().tasks.at("alert").phase, api::TaskPhase::kSucceeded);

  Driver resumed(pipeline, templates);
  resumed.input().run.metadata.name = "fleet-2";
  resumed.input().snapshot = ParseSnapshot(first.status().pipeline_spec, &resumed.input().snapshot_errors);
  resumed.input().resume_from = first.input().run;
  Plan plan = resumed.Step();
  EXPECT_EQ(plan.status.tasks.at("alert").phase, api::TaskPhase::kPending);
  EXPECT_EQ(plan.status.tasks.at("alert").reused_from, "");
  RunToEnd(&resumed, Outcomes(-1));
  ASSERT_EQ(resumed.status().phase, api::RunPhase::kSucceeded) << resumed.status().message;
  ASSERT_EQ(resumed.launches().size(), 3u);  // item 7, the summary, the alert
  EXPECT_EQ(resumed.launches()[2].task, "alert");
  EXPECT_EQ(resumed.launches()[2].params.at("status"), "Succeeded");
}

TEST(ResumeFromTest, OnlyAFailedOrCancelledRunOfTheSamePipelineWithASharedWorkspace) {
  Driver first = FailedRun();
  api::PipelineRun failed = first.input().run;
  api::PipelineRun run;
  run.metadata.name = "fleet-2";
  run.spec.pipeline_ref = "fleet";
  run.spec.resume_from = "fleet-1";
  api::Workspace shared;
  shared.kind = api::Workspace::Kind::kPersistentVolumeClaim;
  shared.claim_name = "forecasts";
  EXPECT_EQ(ResumeProblem(run, failed, shared), std::nullopt);
  api::PipelineRun cancelled = failed;
  cancelled.status.phase = api::RunPhase::kCancelled;
  EXPECT_EQ(ResumeProblem(run, cancelled, shared), std::nullopt);

  auto problem = [&](const api::PipelineRun& other, const api::Workspace& workspace) {
    return ResumeProblem(run, other, workspace).value_or("(none)");
  };
  api::PipelineRun other_pipeline = failed;
  other_pipeline.spec.pipeline_ref = "solar";
  EXPECT_EQ(
      problem(other_pipeline, shared),
      "PipelineRun \"fleet-1\" is a run of Pipeline \"solar\", not \"fleet\"; a run resumes a run of its "
      "own pipeline");
  api::PipelineRun running = failed;
  running.status.phase = api::RunPhase::kRunning;
  EXPECT_NE(problem(running, shared).find("is Running; only a run that ended Failed or Cancelled"),
            std::string::npos);
  api::PipelineRun succeeded = failed;
  succeeded.status.phase = api::RunPhase::kSucceeded;
  EXPECT_NE(problem(succeeded, shared).find("succeeded: there is nothing to resume"), std::string::npos);
  api::PipelineRun never_started = failed;
  never_started.status.pipeline_spec = nullptr;
  never_started.status.message = "Pipeline \"fleet\" does not exist";
  EXPECT_NE(problem(never_started, shared).find("failed before it started"), std::string::npos);
  api::Workspace own_claim;
  own_claim.kind = api::Workspace::Kind::kVolumeClaimTemplate;
  EXPECT_NE(problem(failed, own_claim).find("spec.workspace.persistentVolumeClaim.claimName"),
            std::string::npos);
  api::PipelineRun itself = failed;
  itself.metadata.name = "fleet-2";
  EXPECT_EQ(problem(itself, shared), "a run cannot resume itself; name the failed run");
}

// A resume error is a validation error of the new run: it fails at once (InvalidSpec) and creates
// no pod.
TEST(ResumeFromTest, AnInvalidResumeFailsTheRunWithoutPods) {
  Driver resumed(FleetPipeline(), FleetTemplates());
  resumed.input().run.metadata.name = "fleet-2";
  resumed.input().snapshot = {};
  resumed.input().snapshot_errors = {
      {"spec.resumeFrom.name", "PipelineRun \"fleet-9\" does not exist in namespace default"}};
  Plan plan = resumed.Step();
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.status.phase, api::RunPhase::kFailed);
  EXPECT_NE(plan.status.message.find("spec.resumeFrom.name: PipelineRun \"fleet-9\" does not exist"),
            std::string::npos)
      << plan.status.message;
  ASSERT_FALSE(plan.status.conditions.empty());
  EXPECT_EQ(plan.status.conditions[0].reason, "InvalidSpec");
}

TEST(ResumeFromTest, ItemRangesRoundTrip) {
  EXPECT_EQ(api::FormatItemRanges({0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11}), "0-6,8-11");
  EXPECT_EQ(api::FormatItemRanges({3}), "3");
  EXPECT_EQ(api::FormatItemRanges({1, 3, 4}), "1,3-4");
  EXPECT_EQ(api::ParseItemRanges("0-6,8-11"), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11}));
  EXPECT_EQ(api::ParseItemRanges(""), std::vector<int64_t>{});
  EXPECT_EQ(api::ParseItemRanges("3-1"), std::nullopt);
  EXPECT_EQ(api::ParseItemRanges("a"), std::nullopt);
  EXPECT_EQ(api::ParseItemRanges("1,"), std::nullopt);
}

TEST(ResumeFromTest, ASpecWithResumeFromTakesNoParamsOrScheduledTime) {
  api::ValidationErrors errors;
  api::PipelineRunSpec spec = api::ParsePipelineRunSpec(
      json{{"pipelineRef", {{"name", "fleet"}}}, {"resumeFrom", {{"name", "fleet-1"}}}}, "spec", &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(spec.resume_from, "fleet-1");
  EXPECT_EQ(api::PipelineRunSpecToJson(spec)["resumeFrom"], json({{"name", "fleet-1"}}));
  api::ParsePipelineRunSpec(json{{"pipelineRef", {{"name", "fleet"}}},
                                 {"resumeFrom", {{"name", "fleet-1"}}},
                                 {"params", {{"day", "2026-11-23"}}}},
                            "spec", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.params");
  EXPECT_NE(errors[0].message.find("takes the params of the run it resumes"), std::string::npos);
}

}  // namespace
}  // namespace seed::engine
