// Fan-out and fan-in in the planner: withItems / withParam, one pod per item attempt, the run's
// parallelism over items, retries per item, the compact item status, and the items' outputs read
// downstream as one JSON list.
#include <gtest/gtest.h>

#include <set>

#include "api/time_format.h"
#include "engine/planner.h"
#include "plan_driver.h"

namespace seed::engine {
namespace {

using nlohmann::json;
json ScoreTemplate(int retries = 0) {
  return {{"command", {"seed-job", "score"}},
          {"args", {"--plant", "{{params.plant}}", "--out", "{{outputs.report}}"}},
          {"params", {{{"name", "plant"}, {"type", "string"}, {"required", true}}}},
          {"outputs", {{{"name", "score"}, {"kind", "value"}}, {{"name", "report"}, {"kind", "artifact"}}}},
          {"retries", retries}};
}

json SummaryTemplate() {
  return {{"command", {"seed-job", "summary"}},
          {"args", {"--scores", "{{params.scores}}"}},
          {"params", {{{"name", "scores"}, {"type", "string"}, {"required", true}}}}};
}

// `score` fanned out over `count` plants p0, p1, ..., `parallelism` at a time, then `summary` with
// every item's score.
json ScoreThenSummary(int count, int parallelism) {
  json items = json::array();
  for (int i = 0; i < count; ++i) items.push_back("p" + std::to_string(i));
  return {{"parallelism", parallelism},
          {"tasks",
           {{{"name", "score"},
             {"templateRef", {{"name", "score"}}},
             {"withItems", items},
             {"params", {{"plant", "{{item}}"}}}},
            {{"name", "summary"},
             {"templateRef", {{"name", "summary"}}},
             {"params", {{"scores", "{{tasks.score.outputs.score}}"}}}}}}};
}

TEST(FanOutTest, ThousandItemsWithParallelismTenRunTenAtATimeInOrder) {
  json pipeline = ScoreThenSummary(1000, 10);
  Driver driver(pipeline, {{"score", ScoreTemplate()}, {"summary", SummaryTemplate()}});
  ASSERT_TRUE(driver.errors().empty()) << api::FormatError(driver.errors().front());

  // The exact first plan: items 0..9, attempt 1, in item order, each with its own params.
  Plan first = driver.Step();
  ASSERT_EQ(first.create.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(first.create[i].task, "score");
    EXPECT_EQ(first.create[i].item, i);
    EXPECT_EQ(first.create[i].attempt, 1);
    EXPECT_EQ(first.create[i].params.at("plant"), "p" + std::to_string(i));
    EXPECT_EQ(first.create[i].spec.args[3], "/seed/workspace/fleet-1/score/" + std::to_string(i) + "/report");
  }
  const auto& score = first.status.tasks.at("score");
  EXPECT_EQ(score.phase, api::TaskPhase::kRunning);
  ASSERT_TRUE(score.items);
  EXPECT_EQ(score.items->phases, std::string(10, 'R') + std::string(990, 'P'));
  EXPECT_EQ(score.items->live.size(), 10u);
  EXPECT_EQ(first.status.tasks.at("summary").phase, api::TaskPhase::kPending);

  size_t steps = 0;
  while (!api::IsTerminal(driver.status().phase) && steps++ < 200) {
    EXPECT_LE(driver.Running(), 10u);
    driver.FinishRunning([](const TaskLaunch& launch) {
      if (launch.task == "summary") return std::make_pair(int64_t{0}, std::string("{}"));
      return std::make_pair(int64_t{0}, json{{"score", launch.item * 0.5}}.dump());
    });
    driver.Step();
  }
  ASSERT_EQ(driver.status().phase, api::RunPhase::kSucceeded) << driver.status().message;
  // Exactly one pod per item (no retries needed), each item once, then the summary.
  std::set<int64_t> seen;
  size_t score_launches = 0;
  for (const auto& launch : driver.launches()) {
    if (launch.task != "score") continue;
    ++score_launches;
    EXPECT_EQ(launch.attempt, 1);
    EXPECT_TRUE(seen.insert(launch.item).second) << "item " << launch.item << " launched twice";
  }
  EXPECT_EQ(score_launches, 1000u);
  EXPECT_EQ(seen.size(), 1000u);
  const TaskLaunch& summary = driver.launches().back();
  ASSERT_EQ(summary.task, "summary");
  json scores = json::parse(summary.params.at("scores"));
  ASSERT_EQ(scores.size(), 1000u);
  EXPECT_EQ(scores[0], 0.0);
  EXPECT_EQ(scores[7], 3.5);
  EXPECT_EQ(scores[999], 499.5);
  // Compact status at 1,000 items: the whole object's status (snapshot included) under 64 KiB.
  json status = api::PipelineRunStatusToJson(driver.status());
  EXPECT_LT(status.dump().size(), 64u * 1024u) << status.dump().size();
  const auto& done = driver.status().tasks.at("score");
  EXPECT_EQ(done.items->phases, std::string(1000, 'S'));
  EXPECT_TRUE(done.items->live.empty());
  EXPECT_TRUE(done.items->outputs.empty());  // moved to the task's outputs
  EXPECT_EQ(done.message, "1000 items: 1000 succeeded");
  RecordProperty("status_bytes", static_cast<int>(status.dump().size()));
}

TEST(FanOutTest, AnItemFailingAfterRetriesFailsTheTaskAndOmitsDownstream) {
  json pipeline = {{"tasks",
                    {{{"name", "score"},
                      {"templateRef", {{"name", "score"}}},
                      {"withItems", {"a", "b", "c"}},
                      {"params", {{"plant", "{{item}}"}}}},
                     {{"name", "summary"},
                      {"templateRef", {{"name", "summary"}}},
                      {"params", {{"scores", "{{tasks.score.outputs.score}}"}}}}}}};
  Driver driver(pipeline, {{"score", ScoreTemplate(1)}, {"summary", SummaryTemplate()}});
  ASSERT_TRUE(driver.errors().empty());
  auto outcome = [](const TaskLaunch& launch) {
    if (launch.item == 1) return std::make_pair(int64_t{1}, std::string("{\"error\": \"no data for b\"}"));
    return std::make_pair(int64_t{0}, std::string("{\"score\": 1}"));
  };
  Plan plan = driver.Step();
  ASSERT_EQ(plan.create.size(), 3u);
  plan = driver.FinishThenStep(outcome);
  // Item 1 waits to retry (10 s backoff); 0 and 2 succeeded.
  EXPECT_TRUE(plan.create.empty());
  const auto& waiting = plan.status.tasks.at("score");
  EXPECT_EQ(waiting.items->phases, "STS");
  ASSERT_EQ(waiting.items->live.count(1), 1u);
  EXPECT_EQ(waiting.items->live.at(1).next_retry_time,
            T0() + std::chrono::minutes(1) + std::chrono::seconds(10));
  EXPECT_EQ(plan.requeue_at, T0() + std::chrono::minutes(1) + std::chrono::seconds(10));
  driver.Advance(std::chrono::seconds(10));
  plan = driver.Step();
  ASSERT_EQ(plan.create.size(), 1u);
  EXPECT_EQ(plan.create[0].item, 1);
  EXPECT_EQ(plan.create[0].attempt, 2);
  plan = driver.FinishThenStep(outcome);
  EXPECT_TRUE(plan.create.empty());
  const auto& failed = plan.status.tasks.at("score");
  EXPECT_EQ(failed.phase, api::TaskPhase::kFailed);
  EXPECT_EQ(failed.reason, "ItemsFailed");
  EXPECT_EQ(failed.items->phases, "SFS");
  ASSERT_EQ(failed.items->failures.size(), 1u);
  EXPECT_EQ(failed.items->failures[0],
            (api::ItemFailure{1, 2, "", "exit code 1: no data for b (after 2 attempts)"}));
  EXPECT_EQ(
      failed.message,
      "3 items: 2 succeeded, 1 failed; first failure item 1: exit code 1: no data for b (after 2 attempts)");
  EXPECT_EQ(plan.status.tasks.at("summary").phase, api::TaskPhase::kOmitted);
  EXPECT_EQ(plan.status.phase, api::RunPhase::kFailed);
  EXPECT_EQ(driver.launches().size(), 4u);  // three first attempts and one retry
}

TEST(FanOutTest, WithParamOverAnUpstreamListAndItemFields) {
  json pipeline = {
      {"tasks",
       {{{"name", "plants"}, {"templateRef", {{"name", "plants"}}}},
        {{"name", "score"},
         {"templateRef", {{"name", "score"}}},
         {"withParam", "{{tasks.plants.outputs.plants}}"},
         {"params", {{"plant", "{{item.id}}-{{item.mw}}"}}},
         {"when", "{{item.mw}} > 10"}},
        {{"name", "summary"},
         {"templateRef", {{"name", "summary"}}},
         {"params", {{"scores", "{{tasks.score.outputs.score}} {{tasks.score.outputs.report}}"}}}}}}};
  json plants = {{"command", {"seed-job", "plants"}}, {"outputs", {{{"name", "plants"}, {"kind", "value"}}}}};
  Driver driver(pipeline, {{"plants", plants}, {"score", ScoreTemplate()}, {"summary", SummaryTemplate()}});
  ASSERT_TRUE(driver.errors().empty()) << api::FormatError(driver.errors().front());
  Plan plan = driver.Step();
  ASSERT_EQ(plan.create.size(), 1u);
  driver.FinishRunning([](const TaskLaunch&) {
    return std::make_pair(int64_t{0},
                          std::string(R"({"plants": [{"id": "wf01", "mw": 50}, {"id": "pv02", "mw": 5},
                                                     {"id": "wf03", "mw": 99}]})"));
  });
  plan = driver.Step();
  ASSERT_EQ(plan.create.size(), 2u);  // item 1 is skipped by its own `when`
  EXPECT_EQ(plan.create[0].params.at("plant"), "wf01-50");
  EXPECT_EQ(plan.create[1].params.at("plant"), "wf03-99");
  EXPECT_EQ(plan.create[1].item, 2);
  EXPECT_EQ(plan.status.tasks.at("score").items->phases, "RKR");
  driver.FinishRunning([](const TaskLaunch& launch) {
    return std::make_pair(int64_t{0}, json{{"score", "s" + std::to_string(launch.item)}}.dump());
  });
  plan = driver.Step();
  ASSERT_EQ(plan.create.size(), 1u);
  EXPECT_EQ(
      plan.create[0].params.at("scores"),
      R"(["s0",null,"s2"] ["/seed/workspace/fleet-1/score/0/report","/seed/workspace/fleet-1/score/1/report",)"
      R"("/seed/workspace/fleet-1/score/2/report"])");
}

TEST(FanOutTest, AnEmptyWithParamListSkipsTheTaskAndDownstreamReadsAnEmptyList) {
  json pipeline = {{"tasks",
                    {{{"name", "plants"}, {"templateRef", {{"name", "plants"}}}},
                     {{"name", "score"},
                      {"templateRef", {{"name", "score"}}},
                      {"withParam", "{{tasks.plants.outputs.plants}}"},
                      {"params", {{"plant", "{{item}}"}}}},
                     {{"name", "summary"},
                      {"templateRef", {{"name", "summary"}}},
                      {"params", {{"scores", "{{tasks.score.outputs.score}}"}}}}}}};
  json plants = {{"command", {"seed-job", "plants"}}, {"outputs", {{{"name", "plants"}, {"kind", "value"}}}}};
  Driver driver(pipeline, {{"plants", plants}, {"score", ScoreTemplate()}, {"summary", SummaryTemplate()}});
  ASSERT_TRUE(driver.errors().empty());
  driver.Step();
  driver.FinishRunning(
      [](const TaskLaunch&) { return std::make_pair(int64_t{0}, std::string(R"({"plants": []})")); });
  Plan plan = driver.Step();
  const auto& score = plan.status.tasks.at("score");
  EXPECT_EQ(score.phase, api::TaskPhase::kSkipped);
  EXPECT_EQ(score.reason, "NoItems");
  EXPECT_EQ(score.items->phases, "");
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"summary"});
  EXPECT_EQ(plan.create[0].params.at("scores"), "[]");
}

TEST(FanOutTest, AWithParamThatIsNotAListFailsTheTaskWithTheValue) {
  json pipeline = {{"tasks",
                    {{{"name", "plants"}, {"templateRef", {{"name", "plants"}}}},
                     {{"name", "score"},
                      {"templateRef", {{"name", "score"}}},
                      {"withParam", "{{tasks.plants.outputs.plants}}"},
                      {"params", {{"plant", "{{item}}"}}}}}}};
  json plants = {{"command", {"seed-job", "plants"}}, {"outputs", {{{"name", "plants"}, {"kind", "value"}}}}};
  Driver driver(pipeline, {{"plants", plants}, {"score", ScoreTemplate()}});
  driver.Step();
  driver.FinishRunning(
      [](const TaskLaunch&) { return std::make_pair(int64_t{0}, std::string(R"({"plants": "wf01"})")); });
  Plan plan = driver.Step();
  const auto& score = plan.status.tasks.at("score");
  EXPECT_EQ(score.phase, api::TaskPhase::kFailed);
  EXPECT_EQ(score.reason, "InvalidItems");
  EXPECT_EQ(
      score.message.rfind("withParam \"{{tasks.plants.outputs.plants}}\" gave wf01, not a JSON list", 0), 0u)
      << score.message;
}

TEST(FanOutTest, ValidationRejectsItemMisuse) {
  auto errors_of = [](const json& task) {
    api::ValidationErrors errors;
    api::ParsePipelineSpec({{"tasks", {task}}}, "spec", &errors);
    std::string text;
    for (const auto& error : errors) text += api::FormatError(error) + "\n";
    return text;
  };
  json base = {{"name", "score"}, {"templateRef", {{"name", "score"}}}, {"params", {{"plant", "{{item}}"}}}};
  EXPECT_NE(
      errors_of(base).find("spec.tasks[0].params.plant: {{item}} is only defined in a task with withItems"),
      std::string::npos)
      << errors_of(base);
  json fields = base;
  fields["withItems"] = {{{"id", "wf01"}}, {{"name", "x"}}};
  fields["params"] = {{"plant", "{{item.id}}"}};
  EXPECT_NE(errors_of(fields).find("{{item.id}}: item 1 ({\"name\":\"x\"}) has no field \"id\""),
            std::string::npos)
      << errors_of(fields);
  json both = base;
  both["withItems"] = {"a"};
  both["withParam"] = "{{pipeline.params.x}}";
  EXPECT_NE(errors_of(both).find("set either withItems or withParam, not both"), std::string::npos);
  json empty = base;
  empty["withItems"] = json::array();
  EXPECT_NE(errors_of(empty).find("withItems: must list at least one item"), std::string::npos)
      << errors_of(empty);
  json literal = base;
  literal["withParam"] = "[1, 2]";
  EXPECT_NE(errors_of(literal).find("has no reference"), std::string::npos) << errors_of(literal);
}

// Resume: item 7 of 12 fails (no retries), so the run fails; the resumed run starts from
// ResumeStatus and runs item 7 alone, then the fan-in with all 12 values.
TEST(ResumeTest, AfterItemSevenOfTwelveFailedOnlyItemSevenAndTheRestRun) {
  json pipeline = ScoreThenSummary(12, 4);
  std::map<std::string, json> templates = {{"score", ScoreTemplate()}, {"summary", SummaryTemplate()}};
  auto score = [](bool fail_seven) {
    return [fail_seven](const TaskLaunch& launch) {
      if (launch.task == "summary") return std::make_pair(int64_t{0}, std::string("{}"));
      if (fail_seven && launch.item == 7)
        return std::make_pair(int64_t{1}, std::string(R"({"error": "no NWP"})"));
      return std::make_pair(int64_t{0}, json{{"score", launch.item * 10}}.dump());
    };
  };
  Driver first(pipeline, templates);
  for (int step = 0; step < 20 && !api::IsTerminal(first.status().phase); ++step) {
    first.Step();
    first.FinishRunning(score(true));
  }
  first.Step();
  ASSERT_EQ(first.status().phase, api::RunPhase::kFailed);
  EXPECT_EQ(first.status().tasks.at("score").items->phases, "SSSSSSSFSSSS");
  EXPECT_EQ(first.status().tasks.at("summary").phase, api::TaskPhase::kOmitted);

  Driver resumed(pipeline, templates);
  resumed.input().run.status = ResumeStatus(first.status());
  Plan plan = resumed.Step();
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"score"});  // item 7 only, from its first attempt
  EXPECT_EQ(plan.create[0].item, 7);
  EXPECT_EQ(plan.create[0].attempt, 1);
  plan = resumed.FinishThenStep(score(false));
  ASSERT_EQ(LaunchedTasks(plan), std::vector<std::string>{"summary"});
  EXPECT_EQ(json::parse(plan.create[0].params.at("scores")),
            json::parse("[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]"));
  plan = resumed.FinishThenStep(score(false));
  EXPECT_EQ(plan.status.phase, api::RunPhase::kSucceeded);
  EXPECT_EQ(resumed.launches().size(), 2u);  // nothing that had succeeded ran again
}

// The worst case for the item status: 1,000 items that all fail with long errors. The failures
// listed stay at 20, each message a line; the status (snapshot included) stays under 64 KiB.
TEST(FanOutTest, AThousandFailedItemsListTwentyAndStayUnder64KiB) {
  json items = json::array();
  for (int i = 0; i < 1000; ++i)
    items.push_back({{"plant", "wind-farm-" + std::to_string(i)}, {"mw", 100 + i}});
  json pipeline = {{"parallelism", 0},
                   {"tasks",
                    {{{"name", "score"},
                      {"templateRef", {{"name", "score"}}},
                      {"withItems", items},
                      {"params", {{"plant", "{{item.plant}}"}}}}}}};
  Driver driver(pipeline, {{"score", ScoreTemplate()}});
  ASSERT_TRUE(driver.errors().empty());
  driver.Step();
  driver.FinishRunning([](const TaskLaunch&) {
    return std::make_pair(int64_t{1}, json{{"error", std::string(4000, 'e')}}.dump());
  });
  Plan plan = driver.Step();
  ASSERT_EQ(plan.status.phase, api::RunPhase::kFailed);
  const auto& score = plan.status.tasks.at("score");
  EXPECT_EQ(score.items->phases, std::string(1000, 'F'));
  ASSERT_EQ(score.items->failures.size(), 20u);
  EXPECT_EQ(score.items->failures.back().item, 19);
  for (const auto& failure : score.items->failures) EXPECT_LE(failure.message.size(), 200u);
  size_t bytes = api::PipelineRunStatusToJson(plan.status).dump().size();
  EXPECT_LT(bytes, 64u * 1024u) << bytes;
  RecordProperty("status_bytes", static_cast<int>(bytes));
}

}  // namespace
}  // namespace seed::engine
