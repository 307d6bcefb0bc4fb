// Run metrics: what a status change adds (durations, retries) and the per-Pipeline gauges the
// caches give at a scrape (runs by phase, last success, schedule interval, failures in a row).
#include "controllers/run_metrics.h"

#include <gtest/gtest.h>

#include "api/time_format.h"

namespace seed::controllers {
namespace {

using nlohmann::json;

api::Seconds At(const char* text) { return *api::ParseRfc3339(text); }

api::TaskStatus Task(api::TaskPhase phase, int64_t attempt, const char* start, const char* end = nullptr) {
  api::TaskStatus task;
  task.phase = phase;
  task.attempt = attempt;
  task.start_time = At(start);
  if (end) task.completion_time = At(end);
  return task;
}

TEST(RunObservationsTest, FinishedRunAndTasksWithDurationsAndRetries) {
  api::PipelineRunStatus before;
  before.phase = api::RunPhase::kRunning;
  before.start_time = At("2026-12-07T03:00:00Z");
  before.tasks["qc"] = Task(api::TaskPhase::kSucceeded, 1, "2026-12-07T03:00:00Z", "2026-12-07T03:00:20Z");
  before.tasks["train"] = Task(api::TaskPhase::kRetrying, 1, "2026-12-07T03:00:20Z");
  api::PipelineRunStatus after = before;
  after.phase = api::RunPhase::kFailed;
  after.completion_time = At("2026-12-07T03:05:00Z");
  after.tasks["train"] = Task(api::TaskPhase::kFailed, 3, "2026-12-07T03:00:20Z", "2026-12-07T03:04:50Z");

  RunObservations seen = ObserveRunStatusChange(before, after);
  ASSERT_EQ(seen.finished.size(), 2u);  // qc finished before this change: not counted again
  EXPECT_EQ(seen.finished[0].task, "train");
  EXPECT_EQ(seen.finished[0].phase, "Failed");
  EXPECT_EQ(seen.finished[0].seconds, 270);
  EXPECT_EQ(seen.finished[1].task, "");
  EXPECT_EQ(seen.finished[1].phase, "Failed");
  EXPECT_EQ(seen.finished[1].seconds, 300);
  ASSERT_EQ(seen.retries.size(), 1u);
  EXPECT_EQ(seen.retries[0], (std::pair<std::string, int64_t>{"train", 2}));

  // The same status written again observes nothing.
  RunObservations again = ObserveRunStatusChange(after, after);
  EXPECT_TRUE(again.finished.empty());
  EXPECT_TRUE(again.retries.empty());
}

TEST(RunMetricsTest, RecordsHistogramsAndRetryCounterWithPipelineLabels) {
  kube::Metrics metrics;
  RunMetrics run_metrics(metrics);
  api::PipelineRunStatus before;
  api::PipelineRunStatus after;
  after.phase = api::RunPhase::kSucceeded;
  after.start_time = At("2026-12-07T03:00:00Z");
  after.completion_time = At("2026-12-07T03:00:42Z");
  after.tasks["forecast"] =
      Task(api::TaskPhase::kSucceeded, 2, "2026-12-07T03:00:00Z", "2026-12-07T03:00:40Z");
  run_metrics.Record("wind", "ultra-short", before, after);
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("seed_pipelinerun_duration_seconds_bucket{namespace=\"wind\",pipeline=\"ultra-short\","
                      "phase=\"Succeeded\",le=\"60\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("seed_pipelinerun_duration_seconds_bucket{namespace=\"wind\",pipeline=\"ultra-short\","
                      "phase=\"Succeeded\",le=\"30\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("seed_pipelinerun_duration_seconds_sum{namespace=\"wind\",pipeline=\"ultra-short\","
                      "phase=\"Succeeded\"} 42\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("seed_task_duration_seconds_count{namespace=\"wind\",pipeline=\"ultra-short\","
                      "task=\"forecast\",phase=\"Succeeded\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("seed_task_retries_total{namespace=\"wind\",pipeline=\"ultra-short\",task=\"forecast\"} 1\n"),
      std::string::npos)
      << text;
}

json Pipeline(const char* name, const std::string& schedule_and_status) {
  json p = json::parse(R"({"metadata": {"namespace": "wind", "name": ")" + std::string(name) +
                       R"(", "creationTimestamp": "2026-12-01T00:00:00Z"}, )" + schedule_and_status + "}");
  return p;
}

json RunJson(const char* pipeline, const char* scheduled, const char* phase) {
  json run = {{"metadata", {{"namespace", "wind"}, {"name", std::string(pipeline) + "-" + scheduled}}},
              {"spec", {{"pipelineRef", {{"name", pipeline}}}, {"scheduledTime", scheduled}}}};
  if (phase) run["status"] = {{"phase", phase}};
  return run;
}

double Sample(const std::vector<kube::Metrics::CollectedGauge>& gauges, const std::string& name,
              const kube::Labels& labels, bool* found = nullptr) {
  for (const auto& gauge : gauges) {
    if (gauge.name != name) continue;
    for (const auto& [l, value] : gauge.samples) {
      if (l == labels) {
        if (found) *found = true;
        return value;
      }
    }
  }
  if (found) *found = false;
  return -1;
}

TEST(PipelineStateGaugesTest, ScheduledPipelineWithRuns) {
  json scheduled = Pipeline("ultra-short", R"("spec": {"schedule": {"cron": "*/15 * * * *"}},
      "status": {"lastSuccessfulTime": "2026-12-07T02:15:10Z", "lastScheduleTime": "2026-12-07T03:00:00Z"})");
  json suspended = Pipeline("day-ahead", R"("spec": {"schedule": {"cron": "0 6 * * *", "suspend": true}})");
  json other_namespace = Pipeline("ultra-short", R"("spec": {})");
  other_namespace["metadata"]["namespace"] = "solar";
  std::vector<json> runs = {RunJson("ultra-short", "2026-12-07T02:15:00Z", "Succeeded"),
                            RunJson("ultra-short", "2026-12-07T02:45:00Z", "Failed"),
                            RunJson("ultra-short", "2026-12-07T02:30:00Z", "Failed"),
                            RunJson("ultra-short", "2026-12-07T02:00:00Z", "Failed"),  // before the success
                            RunJson("ultra-short", "2026-12-07T03:00:00Z", "Running"),
                            RunJson("ultra-short", "2026-12-07T03:01:00Z", nullptr)};
  std::vector<const json*> run_ptrs;
  for (const auto& r : runs) run_ptrs.push_back(&r);
  auto gauges =
      PipelineStateGauges({&scheduled, &suspended, &other_namespace}, run_ptrs, At("2026-12-07T03:07:00Z"));

  const kube::Labels us{{"namespace", "wind"}, {"pipeline", "ultra-short"}};
  const kube::Labels da{{"namespace", "wind"}, {"pipeline", "day-ahead"}};
  auto with = [](kube::Labels labels, const char* phase) {
    labels.emplace_back("phase", phase);
    return labels;
  };
  EXPECT_EQ(Sample(gauges, "seed_pipeline_runs", with(us, "Failed")), 3);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_runs", with(us, "Succeeded")), 1);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_runs", with(us, "Running")), 1);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_runs", with(us, "Pending")), 1);  // no status yet
  EXPECT_EQ(Sample(gauges, "seed_pipeline_runs", with(us, "Cancelled")), 0);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_runs", with(da, "Failed")), 0);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_runs",
                   with({{"namespace", "solar"}, {"pipeline", "ultra-short"}}, "Failed")),
            0);  // same name, other namespace: its own series

  EXPECT_EQ(Sample(gauges, "seed_pipeline_last_success_timestamp_seconds", us), 1796609710);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_last_schedule_timestamp_seconds", us), 1796612400);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_next_schedule_timestamp_seconds", us), 1796613300);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_schedule_interval_seconds", us), 900);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_created_timestamp_seconds", us), 1796083200);
  EXPECT_EQ(Sample(gauges, "seed_pipeline_consecutive_failed_runs", us), 2);  // 02:30 and 02:45
  EXPECT_EQ(Sample(gauges, "seed_pipeline_consecutive_failed_runs", da), 0);

  bool found = true;
  Sample(gauges, "seed_pipeline_last_success_timestamp_seconds", da, &found);
  EXPECT_FALSE(found) << "no success yet: no sample (the alert falls back to the creation time)";
  Sample(gauges, "seed_pipeline_schedule_interval_seconds", da, &found);
  EXPECT_FALSE(found) << "suspended: no interval, so the missed-run alert cannot fire";
}

TEST(PipelineStateGaugesTest, IntervalFollowsTheCronInItsTimeZone) {
  json daily =
      Pipeline("day-ahead", R"("spec": {"schedule": {"cron": "0 6,18 * * *", "timeZone": "Asia/Shanghai"}})");
  auto gauges = PipelineStateGauges({&daily}, {}, At("2026-12-07T03:07:00Z"));  // 11:07 in Shanghai
  const kube::Labels da{{"namespace", "wind"}, {"pipeline", "day-ahead"}};
  EXPECT_EQ(Sample(gauges, "seed_pipeline_next_schedule_timestamp_seconds", da),
            double(At("2026-12-07T10:00:00Z").time_since_epoch().count()));  // 18:00 +08:00
  EXPECT_EQ(Sample(gauges, "seed_pipeline_schedule_interval_seconds", da), 12 * 3600);
}

}  // namespace
}  // namespace seed::controllers
