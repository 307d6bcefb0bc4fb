// The Pipeline controller's scheduling against the test API emulator on a test clock that
// survives operator restarts: the shape of a scheduled run, catch-up after six hours of downtime,
// a simulated day of `*/15`, Forbid and Replace.
#include <gtest/gtest.h>

#include "api/time_format.h"
#include "engine/schedule_decision.h"
#include "pipeline_fixture.h"

namespace seed::pipeline_testing {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_seconds;

json StepTemplate() {
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "JobTemplate"},
          {"metadata", {{"name", "step"}}},
          {"spec", {{"command", {"seed-job", "step"}}}}};
}

json ScheduledPipeline(const std::string& name, const json& schedule) {
  return {{"apiVersion", "seed.dev/v1alpha1"},
          {"kind", "Pipeline"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"tasks", json::array({{{"name", "a"}, {"templateRef", {{"name", "step"}}}}})},
            {"schedule", schedule},
            {"successfulRunsHistoryLimit", 1000}}}};
}

// The first whole hour after the real time (pipelines are created at real time, so scheduled
// times on the test clock must come after their creation).
sys_seconds NextHour() {
  return std::chrono::floor<hours>(std::chrono::system_clock::now()) + hours(1);
}

class ScheduleTest : public PipelineTest {
 protected:
  std::set<std::string> RunNames(const std::string& pipeline) {
    std::set<std::string> names;
    for (const auto& run : cluster_->List("pipelineruns")) {
      if (run["metadata"].value("labels", json::object()).value("seed.dev/pipeline", "") == pipeline) {
        names.insert(run["metadata"].value("name", ""));
      }
    }
    return names;
  }
  std::string PipelineStatus(const std::string& name, const std::string& field) {
    return cluster_->Get("pipelines", name).value("status", json::object()).value(field, "");
  }
  bool WaitForRun(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    return WaitUntil([&] { return cluster_->Get("pipelineruns", name).value("kind", "") == "PipelineRun"; }, timeout);
  }
  // Catch-up after the operator was down for six hours and five minutes over an hourly schedule.
  void Downtime(const std::string& catchup, const std::vector<int>& expected_hours) {
    cluster_->Apply(StepTemplate().dump());
    const sys_seconds start = NextHour();
    cluster_->SetClock(start);
    cluster_->Apply(ScheduledPipeline("hourly", {{"cron", "0 * * * *"}, {"catchup", catchup}}).dump());
    StartOperator();
    ASSERT_TRUE(WaitForRun(engine::ScheduledRunName("hourly", start)));
    ASSERT_TRUE(WaitUntil([&] { return PipelineStatus("hourly", "lastScheduleTime") == api::FormatRfc3339(start); },
                          seconds(10)));
    operator_->Kill();
    cluster_->SetClock(start + hours(6) + minutes(5));
    operator_->Start();
    ASSERT_TRUE(WaitUntil(
        [&] { return PipelineStatus("hourly", "nextScheduleTime") == api::FormatRfc3339(start + hours(7)); },
        seconds(20)));
    std::set<std::string> expected = {engine::ScheduledRunName("hourly", start)};
    for (int h : expected_hours) expected.insert(engine::ScheduledRunName("hourly", start + hours(h)));
    EXPECT_EQ(RunNames("hourly"), expected) << "catchup " << catchup;
    auto creates = SummarizeWrites(cluster_->Writes()).run_creates;
    EXPECT_EQ(creates.size(), expected.size());
    for (const auto& [name, count] : creates) EXPECT_EQ(count, 1) << name;
  }
};

TEST_F(ScheduleTest, ScheduledRunCarriesNameTimeAnnotationOwnerAndZone) {
  cluster_->Apply(StepTemplate().dump());
  const sys_seconds start = NextHour();
  cluster_->SetClock(start);
  cluster_->Apply(ScheduledPipeline("daily", {{"cron", "0 * * * *"}, {"timeZone", "Asia/Shanghai"}}).dump());
  StartKubelet([](const json&) { return PodOutcome::Succeed(); });
  StartOperator();
  const std::string name = engine::ScheduledRunName("daily", start);
  EXPECT_EQ(name, "daily-" + std::to_string(start.time_since_epoch().count() / 60));
  ASSERT_TRUE(WaitForRun(name));
  ASSERT_TRUE(WaitForRunPhase(name, "Succeeded"));
  json run = Run(name);
  json pipeline = cluster_->Get("pipelines", "daily");
  EXPECT_EQ(run["spec"]["scheduledTime"], api::FormatRfc3339(start));
  EXPECT_EQ(run["spec"]["pipelineRef"]["name"], "daily");
  std::string local = run["metadata"]["annotations"]["seed.dev/scheduled-time"];
  EXPECT_EQ(local.substr(local.size() - 6), "+08:00");
  EXPECT_EQ(api::ParseRfc3339(local), start);
  EXPECT_EQ(run["metadata"]["labels"]["seed.dev/pipeline"], "daily");
  EXPECT_EQ(run["metadata"]["ownerReferences"][0]["uid"], pipeline["metadata"]["uid"]);
  EXPECT_EQ(run["metadata"]["ownerReferences"][0]["kind"], "Pipeline");
  auto pod = Pod(name + "-a-1");
  ASSERT_TRUE(pod);
  // SEED_SCHEDULED_TIME is UTC, as under `seed run` and `seed render`, whatever the schedule's zone.
  bool found = false;
  for (const auto& env : (*pod)["spec"]["containers"][0]["env"]) {
    if (env["name"] == "SEED_SCHEDULED_TIME") found = env["value"] == api::FormatRfc3339(start);
  }
  EXPECT_TRUE(found) << (*pod)["spec"]["containers"][0]["env"].dump();
  ASSERT_TRUE(WaitUntil([&] { return PipelineStatus("daily", "lastSuccessfulTime") != ""; }, seconds(10)));
  json status = cluster_->Get("pipelines", "daily")["status"];
  EXPECT_EQ(status["lastScheduleTime"], api::FormatRfc3339(start));
  EXPECT_EQ(status["nextScheduleTime"], api::FormatRfc3339(start + hours(1)));
  EXPECT_EQ(status["observedGeneration"], pipeline["metadata"]["generation"]);
}

TEST_F(ScheduleTest, SixHoursDownCatchupNoneCreatesNothing) { Downtime("None", {}); }
TEST_F(ScheduleTest, SixHoursDownCatchupLatestCreatesTheMostRecent) { Downtime("Latest", {6}); }
TEST_F(ScheduleTest, SixHoursDownCatchupAllCreatesEveryMissedTime) { Downtime("All", {1, 2, 3, 4, 5, 6}); }

TEST_F(ScheduleTest, EveryFifteenMinutesForASimulatedDayCreates96Runs) {
  cluster_->Apply(StepTemplate().dump());
  const sys_seconds start = NextHour();
  cluster_->SetClock(start);
  cluster_->Apply(ScheduledPipeline("quarter", {{"cron", "*/15 * * * *"}}).dump());
  StartOperator();
  std::set<std::string> expected;
  for (int i = 0; i < 96; ++i) {
    sys_seconds t = start + minutes(15 * i);
    cluster_->SetClock(t);
    expected.insert(engine::ScheduledRunName("quarter", t));
    ASSERT_TRUE(WaitForRun(engine::ScheduledRunName("quarter", t))) << "tick " << i;
  }
  // One more step inside the day's last quarter: nothing new may appear.
  cluster_->SetClock(start + hours(24) - seconds(1));
  ASSERT_TRUE(WaitUntil(
      [&] { return PipelineStatus("quarter", "nextScheduleTime") == api::FormatRfc3339(start + hours(24)); },
      seconds(10)));
  EXPECT_EQ(RunNames("quarter"), expected);
  auto creates = SummarizeWrites(cluster_->Writes()).run_creates;
  EXPECT_EQ(creates.size(), 96u);
  for (const auto& [name, count] : creates) EXPECT_EQ(count, 1) << name;
}

TEST_F(ScheduleTest, ForbidNeverRunsTwoAtOnce) {
  cluster_->Apply(StepTemplate().dump());
  const sys_seconds start = NextHour();
  cluster_->SetClock(start);
  cluster_->Apply(ScheduledPipeline("forbid", {{"cron", "* * * * *"}, {"concurrencyPolicy", "Forbid"}}).dump());
  StartKubelet([](const json&) { return PodOutcome::Hold(); });
  StartOperator();
  const std::string first = engine::ScheduledRunName("forbid", start);
  const std::string second = engine::ScheduledRunName("forbid", start + minutes(1));
  ASSERT_TRUE(WaitUntil([&] { return kubelet_->Held().count(first + "-a-1") > 0; }, seconds(20)));
  Advance(minutes(1));
  ASSERT_TRUE(WaitUntil(
      [&] { return PipelineStatus("forbid", "nextScheduleTime") == api::FormatRfc3339(start + minutes(2)); },
      seconds(10)));
  EXPECT_EQ(RunNames("forbid"), (std::set<std::string>{first}));
  ASSERT_TRUE(kubelet_->Complete(first + "-a-1", PodOutcome::Succeed()));
  ASSERT_TRUE(WaitForRun(second));
  EXPECT_EQ(RunPhase(first), "Succeeded");
}

TEST_F(ScheduleTest, ReplaceCancelsTheActiveRun) {
  cluster_->Apply(StepTemplate().dump());
  const sys_seconds start = NextHour();
  cluster_->SetClock(start);
  cluster_->Apply(ScheduledPipeline("replace", {{"cron", "* * * * *"}, {"concurrencyPolicy", "Replace"}}).dump());
  StartKubelet([](const json&) { return PodOutcome::Hold(); });
  StartOperator();
  const std::string first = engine::ScheduledRunName("replace", start);
  ASSERT_TRUE(WaitUntil([&] { return kubelet_->Held().count(first + "-a-1") > 0; }, seconds(20)));
  Advance(minutes(1));
  ASSERT_TRUE(WaitForRun(engine::ScheduledRunName("replace", start + minutes(1))));
  ASSERT_TRUE(WaitForRunPhase(first, "Cancelled"));
  EXPECT_TRUE(WaitUntil([&] { return !Pod(first + "-a-1"); }, seconds(10)));
}

}  // namespace
}  // namespace seed::pipeline_testing
