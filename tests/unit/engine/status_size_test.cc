#include <gtest/gtest.h>

#include "api/time_format.h"
#include "engine/planner.h"

namespace seed::engine {
namespace {

using nlohmann::json;

// A 500-task fan-out where every task has finished with the longest message and outputs the
// planner keeps: the status (without the spec snapshot) must stay far below etcd's limits.
TEST(StatusSizeTest, FiveHundredTasksStayUnder64KiB) {
  json templates = {
      {"t",
       {{"command", {"seed-job", "qc"}},
        {"outputs", {{{"name", "accuracy"}, {"kind", "value"}}, {{"name", "rmse"}, {"kind", "value"}}}},
        {"retries", 3}}}};
  json tasks = json::array();
  for (int i = 0; i < 500; ++i)
    tasks.push_back({{"name", "task-" + std::to_string(i)}, {"templateRef", {{"name", "t"}}}});
  PlanInput input;
  input.snapshot =
      ParseSnapshot(MakeSnapshot({{"tasks", tasks}}, {{"t", templates["t"]}}), &input.snapshot_errors);
  ASSERT_TRUE(input.snapshot_errors.empty());
  input.run.metadata.name = "wind-day-ahead-29922735";
  input.run.spec.pipeline_ref = "wind-day-ahead";
  auto start = *api::ParseRfc3339("2026-11-22T16:15:00Z");
  input.now = start;
  Plan first = PlanRun(input);
  ASSERT_EQ(first.create.size(), 500u);
  input.run.status = first.status;
  for (int i = 0; i < 500; ++i) {
    ObservedAttempt attempt;
    attempt.attempt = 1;
    attempt.start_time = start;
    attempt.finish_time = start + std::chrono::minutes(5);
    if (i % 2 == 0) {
      attempt.state = ObservedAttempt::State::kSucceeded;
      attempt.exit_code = 0;
      attempt.results =
          R"({"accuracy": 0.9312345678, "rmse": 12.345678, "log": ")" + std::string(4000, 'x') + "\"}";
    } else {
      attempt.state = ObservedAttempt::State::kFailed;
      attempt.exit_code = 2;
      attempt.message = std::string(4000, 'e');  // a long error is cut to a summary line
    }
    input.observed["task-" + std::to_string(i)].push_back(attempt);
  }
  input.now = start + std::chrono::minutes(6);
  Plan done = PlanRun(input);
  EXPECT_EQ(done.status.phase, api::RunPhase::kFailed);
  EXPECT_EQ(done.status.progress, "500/500");
  json status = api::PipelineRunStatusToJson(done.status);
  status.erase("pipelineSpec");
  size_t bytes = status.dump().size();
  EXPECT_LT(bytes, 64u * 1024u) << bytes << " bytes";
  RecordProperty("status_bytes", static_cast<int>(bytes));
}

}  // namespace
}  // namespace seed::engine
