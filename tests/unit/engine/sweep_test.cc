// Sweeps: the trials of grid and random strategies, and a sweep of 8 trials run through the planner
// choosing the minimum.
#include "engine/sweep.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/planner.h"
#include "plan_driver.h"

namespace seed::engine {
namespace {

api::Sweep Grid() {
  api::Sweep sweep;
  sweep.params["learning_rate"] = {"0.03", "0.1"};
  sweep.params["trees"] = {100, 200, 400, 800};
  sweep.objective = "validation_nrmse";
  return sweep;
}

TEST(SweepTest, GridIsEveryCombinationLastParamFastest) {
  json trials = SweepTrials(Grid());
  ASSERT_EQ(trials.size(), 8u);
  EXPECT_EQ(trials[0], json({{"learning_rate", "0.03"}, {"trees", 100}}));
  EXPECT_EQ(trials[1], json({{"learning_rate", "0.03"}, {"trees", 200}}));
  EXPECT_EQ(trials[4], json({{"learning_rate", "0.1"}, {"trees", 100}}));
  EXPECT_EQ(trials[7], json({{"learning_rate", "0.1"}, {"trees", 800}}));
}

TEST(SweepTest, RandomDrawsDistinctCombinationsReproduciblyFromTheSeed) {
  api::Sweep sweep = Grid();
  sweep.strategy = api::Sweep::Strategy::kRandom;
  sweep.trials = 5;
  sweep.seed = 7;
  json first = SweepTrials(sweep);
  ASSERT_EQ(first.size(), 5u);
  EXPECT_EQ(SweepTrials(sweep), first);
  std::set<std::string> distinct;
  for (const auto& trial : first) distinct.insert(trial.dump());
  EXPECT_EQ(distinct.size(), 5u);
  sweep.seed = 8;
  EXPECT_NE(SweepTrials(sweep), first);
  sweep.trials = 100;  // more than the grid has: every combination once
  EXPECT_EQ(SweepTrials(sweep).size(), 8u);
}

TEST(SweepTest, BestTrialSkipsMissingValuesAndPrefersTheFirstOfTies) {
  EXPECT_EQ(BestTrial(json::parse(R"([0.2, null, "0.1", 0.1, "x"])"), true), 2u);
  EXPECT_EQ(BestTrial(json::parse(R"([0.2, null, "0.1", 0.3])"), false), 3u);
  EXPECT_EQ(BestTrial(json::parse(R"([null, "n/a"])"), true), std::nullopt);
}

TEST(SweepTest, EightTrialsChooseTheMinimumAndDownstreamGetsTheBest) {
  json train = {
      {"command", {"seed-job", "train"}},
      {"args",
       {"--trees", "{{params.trees}}", "--learning-rate", "{{params.learning_rate}}", "--out",
        "{{outputs.model}}"}},
      {"params",
       {{{"name", "trees"}, {"type", "integer"}, {"default", "200"}},
        {{"name", "learning_rate"}, {"type", "number"}, {"default", "0.1"}}}},
      {"outputs",
       {{{"name", "validation_nrmse"}, {"kind", "value"}}, {{"name", "model"}, {"kind", "artifact"}}}}};
  json use = {{"command", {"seed-job", "forecast"}},
              {"args", {"{{params.model}}", "{{params.trees}}", "{{params.nrmse}}"}},
              {"params", {{{"name", "model"}}, {{"name", "trees"}}, {{"name", "nrmse"}}}}};
  json pipeline = {{"parallelism", 3},
                   {"tasks",
                    {{{"name", "tune"},
                      {"templateRef", {{"name", "train"}}},
                      {"sweep",
                       {{"params", {{"trees", {100, 200, 400, 800}}, {"learning_rate", {"0.03", "0.1"}}}},
                        {"objective", {{"output", "validation_nrmse"}, {"goal", "minimize"}}}}}},
                     {{"name", "forecast"},
                      {"templateRef", {{"name", "use"}}},
                      {"params",
                       {{"model", "{{tasks.tune.outputs.model}}"},
                        {"trees", "{{tasks.tune.outputs.trees}}"},
                        {"nrmse", "{{tasks.tune.outputs.validation_nrmse}}"}}}}}}};
  Driver driver(pipeline, {{"train", train}, {"use", use}});
  ASSERT_TRUE(driver.errors().empty()) << api::FormatError(driver.errors().front());
  // nrmse by trial: lowest (0.081) at trial 5 = learning_rate 0.1, trees 200; trial 2 fails.
  const std::vector<double> nrmse = {0.12, 0.11, -1, 0.095, 0.10, 0.081, 0.083, 0.09};
  auto outcome = [&](const TaskLaunch& launch) {
    if (launch.task != "tune") return std::make_pair(int64_t{0}, std::string("{}"));
    if (launch.item == 2) return std::make_pair(int64_t{1}, std::string(R"({"error": "diverged"})"));
    return std::make_pair(int64_t{0}, json{{"validation_nrmse", nrmse[launch.item]}}.dump());
  };
  Plan plan = driver.Step();
  ASSERT_EQ(plan.create.size(), 3u);  // parallelism 3
  EXPECT_EQ(plan.create[0].params.at("learning_rate"), "0.03");
  EXPECT_EQ(plan.create[0].params.at("trees"), "100");
  EXPECT_EQ(plan.create[1].spec.args,
            (std::vector<std::string>{"--trees", "200", "--learning-rate", "0.03", "--out",
                                      "/seed/workspace/fleet-1/tune/1/model"}));
  for (int step = 0; step < 10 && !api::IsTerminal(driver.status().phase); ++step) {
    driver.FinishRunning(outcome);
    driver.Step();
  }
  ASSERT_EQ(driver.status().phase, api::RunPhase::kSucceeded) << driver.status().message;
  const auto& tune = driver.status().tasks.at("tune");
  EXPECT_EQ(tune.phase, api::TaskPhase::kSucceeded);
  EXPECT_EQ(tune.outputs.at("best_trial"), "5");
  EXPECT_EQ(tune.outputs.at("trees"), "200");
  EXPECT_EQ(tune.outputs.at("learning_rate"), "0.1");
  EXPECT_EQ(tune.outputs.at("validation_nrmse"), "0.081");
  EXPECT_EQ(json::parse(tune.outputs.at("objectives")),
            json::parse("[0.12, 0.11, null, 0.095, 0.1, 0.081, 0.083, 0.09]"));
  EXPECT_EQ(tune.items->phases, "SSFSSSSS");
  EXPECT_EQ(tune.message.rfind("best trial 5 (validation_nrmse 0.081); 8 items: 7 succeeded, 1 failed", 0),
            0u)
      << tune.message;
  const TaskLaunch& forecast = driver.launches().back();
  ASSERT_EQ(forecast.task, "forecast");
  EXPECT_EQ(forecast.spec.args,
            (std::vector<std::string>{"/seed/workspace/fleet-1/tune/5/model", "200", "0.081"}));
}

TEST(SweepTest, ValidationNamesBadSweeps) {
  auto errors_of = [](const json& sweep) {
    api::ValidationErrors errors;
    api::ParsePipelineSpec({{"tasks", {{{"name", "t"}, {"templateRef", {{"name", "x"}}}, {"sweep", sweep}}}}},
                           "spec", &errors);
    std::string text;
    for (const auto& error : errors) text += api::FormatError(error) + "\n";
    return text;
  };
  EXPECT_NE(errors_of({{"params", {{"trees", json::array()}}}, {"objective", {{"output", "o"}}}})
                .find("spec.tasks[0].sweep.params.trees: must be a non-empty list"),
            std::string::npos);
  EXPECT_NE(
      errors_of({{"params", {{"trees", {1}}}}, {"strategy", "random"}, {"objective", {{"output", "o"}}}})
          .find("spec.tasks[0].sweep.trials: is required with strategy: random"),
      std::string::npos);
  EXPECT_NE(errors_of({{"params", {{"trees", {1}}}}, {"objective", {{"output", "o"}, {"goal", "lowest"}}}})
                .find("spec.tasks[0].sweep.objective.goal: \"lowest\" is not allowed"),
            std::string::npos);
}

}  // namespace
}  // namespace seed::engine
