#include "engine/schedule_decision.h"

#include <gtest/gtest.h>

#include <set>

#include "api/time_format.h"

namespace seed::engine {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Seconds T(const std::string& text) { return *api::ParseRfc3339(text); }

api::PipelineSpec Spec(const std::string& cron, api::CatchupPolicy catchup = api::CatchupPolicy::kLatest,
                       api::ConcurrencyPolicy concurrency = api::ConcurrencyPolicy::kAllow) {
  api::PipelineSpec spec;
  api::Schedule schedule;
  schedule.cron = cron;
  schedule.time_zone = "Asia/Shanghai";
  schedule.catchup = catchup;
  schedule.concurrency_policy = concurrency;
  spec.schedule = schedule;
  return spec;
}

// A fake cluster: the scheduler's decisions applied to a list of runs, on an injected clock.
class FakeCluster {
 public:
  explicit FakeCluster(api::PipelineSpec spec, Seconds created) : spec_(std::move(spec)), created_(created) {}

  ScheduleDecision Sync(Seconds now) {
    // Runs finish `run_minutes_` after they were created (0: they stay active).
    for (auto& run : runs_) {
      if (run.cancel_requested && !api::IsTerminal(run.phase)) {
        run.phase = api::RunPhase::kCancelled;
        run.completion_time = now;
      }
      if (run_minutes_ > 0 && !api::IsTerminal(run.phase) && *run.start_time + minutes(run_minutes_) <= now) {
        run.phase = api::RunPhase::kSucceeded;
        run.completion_time = *run.start_time + minutes(run_minutes_);
      }
    }
    ScheduleInput input{"wind", created_, 1, spec_, status_, runs_, now};
    ScheduleDecision decision = DecideSchedule(input);
    for (const auto& create : decision.create) {
      EXPECT_TRUE(names_.insert(create.name).second) << "duplicate run " << create.name;
      RunRecord run;
      run.name = create.name;
      run.phase = api::RunPhase::kRunning;
      run.scheduled_time = create.scheduled_time;
      run.start_time = now;
      run.creation_time = now;
      runs_.push_back(run);
      created_names_.push_back(create.name);
    }
    for (const auto& name : decision.cancel) {
      for (auto& run : runs_) {
        if (run.name == name) run.cancel_requested = true;
      }
    }
    for (const auto& name : decision.remove) {
      std::erase_if(runs_, [&](const RunRecord& run) { return run.name == name; });
    }
    status_ = decision.status;
    return decision;
  }

  api::PipelineStatus& status() { return status_; }
  std::vector<RunRecord>& runs() { return runs_; }
  const std::vector<std::string>& created() const { return created_names_; }
  void set_run_minutes(int value) { run_minutes_ = value; }

 private:
  api::PipelineSpec spec_;
  Seconds created_;
  api::PipelineStatus status_;
  std::vector<RunRecord> runs_;
  std::vector<std::string> created_names_;
  std::set<std::string> names_;
  int run_minutes_ = 5;
};

bool HasEvent(const ScheduleDecision& decision, const std::string& reason) {
  for (const auto& event : decision.events) {
    if (event.reason == reason) return true;
  }
  return false;
}

TEST(ScheduleDecisionTest, RunNameIsPipelineAndScheduledUnixMinutes) {
  EXPECT_EQ(ScheduledRunName("wind", T("2026-11-22T16:15:00Z")), "wind-29922735");
}

TEST(ScheduleDecisionTest, EveryFifteenMinutesOverADayCreatesExactly96UniqueRuns) {
  Seconds start = T("2026-11-22T16:00:00Z");  // 00:00 Asia/Shanghai
  FakeCluster cluster(Spec("*/15 * * * *"), start - seconds(1));
  for (Seconds now = start; now < start + hours(24); now += minutes(1)) cluster.Sync(now);
  ASSERT_EQ(cluster.created().size(), 96u);
  EXPECT_EQ(cluster.created().front(), ScheduledRunName("wind", start));
  EXPECT_EQ(cluster.created().back(), ScheduledRunName("wind", start + hours(24) - minutes(15)));
}

TEST(ScheduleDecisionTest, SteppingByRequeueTimeAlsoCreates96) {
  Seconds start = T("2026-11-22T16:00:00Z");
  FakeCluster cluster(Spec("*/15 * * * *"), start - seconds(1));
  Seconds now = start;
  int syncs = 0;
  while (now < start + hours(24) && syncs < 1000) {
    auto decision = cluster.Sync(now);
    ASSERT_TRUE(decision.requeue_at.has_value());
    EXPECT_GT(*decision.requeue_at, now);
    now = *decision.requeue_at + seconds(1);  // controllers wake a little late
    ++syncs;
  }
  EXPECT_EQ(cluster.created().size(), 96u);
}

struct DowntimeCase {
  api::CatchupPolicy catchup;
  int64_t max_catchup_runs;
  size_t expected_runs;
  const char* first;
  const char* last;
};

class DowntimeTest : public ::testing::TestWithParam<DowntimeCase> {};

// The operator handled 08:00 (Shanghai) and came back 6 hours and 7 minutes later.
TEST_P(DowntimeTest, SixHoursDown) {
  const auto& c = GetParam();
  Seconds last = T("2026-11-22T00:00:00Z");
  auto spec = Spec("*/15 * * * *", c.catchup);
  spec.schedule->max_catchup_runs = c.max_catchup_runs;
  FakeCluster cluster(spec, last - hours(1));
  cluster.status().last_schedule_time = last;
  auto decision = cluster.Sync(last + hours(6) + minutes(7));
  ASSERT_EQ(decision.create.size(), c.expected_runs);
  if (c.expected_runs > 0) {
    EXPECT_EQ(api::FormatRfc3339(decision.create.front().scheduled_time), c.first);
    EXPECT_EQ(api::FormatRfc3339(decision.create.back().scheduled_time), c.last);
    EXPECT_EQ(api::FormatRfc3339(*decision.status.last_schedule_time), c.last);
  } else {
    EXPECT_EQ(api::FormatRfc3339(*decision.status.last_schedule_time), "2026-11-22T00:00:00Z");
  }
  EXPECT_EQ(api::FormatRfc3339(*decision.status.next_schedule_time), "2026-11-22T06:15:00Z");
  EXPECT_EQ(api::FormatRfc3339(*decision.requeue_at), "2026-11-22T06:15:00Z");
}

INSTANTIATE_TEST_SUITE_P(Catchup, DowntimeTest,
                         ::testing::Values(DowntimeCase{api::CatchupPolicy::kNone, 100, 0, "", ""},
                                           DowntimeCase{api::CatchupPolicy::kLatest, 100, 1,
                                                        "2026-11-22T06:00:00Z", "2026-11-22T06:00:00Z"},
                                           DowntimeCase{api::CatchupPolicy::kAll, 100, 24,
                                                        "2026-11-22T00:15:00Z", "2026-11-22T06:00:00Z"},
                                           DowntimeCase{api::CatchupPolicy::kAll, 10, 10,
                                                        "2026-11-22T03:45:00Z", "2026-11-22T06:00:00Z"}));

TEST(ScheduleDecisionTest, CatchupNoneStillRunsATimeThatIsOnTime) {
  Seconds last = T("2026-11-22T00:00:00Z");
  FakeCluster cluster(Spec("*/15 * * * *", api::CatchupPolicy::kNone), last - hours(1));
  cluster.status().last_schedule_time = last;
  auto decision = cluster.Sync(last + hours(6) + seconds(30));
  ASSERT_EQ(decision.create.size(), 1u);
  EXPECT_EQ(api::FormatRfc3339(decision.create[0].scheduled_time), "2026-11-22T06:00:00Z");
  // The next tick runs normally.
  auto next = cluster.Sync(last + hours(6) + minutes(15) + seconds(1));
  ASSERT_EQ(next.create.size(), 1u);
}

TEST(ScheduleDecisionTest, AllWithForbidRunsMissedTimesOneAtATimeOldestFirst) {
  Seconds last = T("2026-11-22T00:00:00Z");
  FakeCluster cluster(Spec("0 * * * *", api::CatchupPolicy::kAll, api::ConcurrencyPolicy::kForbid), last);
  cluster.set_run_minutes(1);
  cluster.status().last_schedule_time = last;
  Seconds now = last + hours(3) + minutes(10);
  for (int i = 0; i < 6; ++i) cluster.Sync(now + minutes(2 * i));
  ASSERT_EQ(cluster.created().size(), 3u);
  EXPECT_EQ(cluster.created()[0], ScheduledRunName("wind", last + hours(1)));
  EXPECT_EQ(cluster.created()[2], ScheduledRunName("wind", last + hours(3)));
}

TEST(ScheduleDecisionTest, TooManyMissedWarnsButStillRunsTheMostRecent) {
  Seconds last = T("2026-11-22T00:00:00Z");
  FakeCluster cluster(Spec("* * * * *"), last);
  cluster.status().last_schedule_time = last;
  auto decision = cluster.Sync(last + hours(3) + seconds(5));
  EXPECT_TRUE(HasEvent(decision, "TooManyMissedTimes"));
  ASSERT_EQ(decision.create.size(), 1u);
  EXPECT_EQ(decision.create[0].scheduled_time, last + hours(3));
}

struct DeadlineCase {
  int64_t late_seconds;
  size_t expected_runs;
};

class StartingDeadlineTest : public ::testing::TestWithParam<DeadlineCase> {};

TEST_P(StartingDeadlineTest, TimesPastTheDeadlineAreMissed) {
  Seconds tick = T("2026-11-22T00:15:00Z");
  auto spec = Spec("*/15 * * * *");
  spec.schedule->starting_deadline_seconds = 300;
  FakeCluster cluster(spec, tick - minutes(20));
  cluster.status().last_schedule_time = tick - minutes(15);
  auto decision = cluster.Sync(tick + seconds(GetParam().late_seconds));
  EXPECT_EQ(decision.create.size(), GetParam().expected_runs);
  EXPECT_EQ(HasEvent(decision, "MissSchedule"), GetParam().expected_runs == 0);
}

INSTANTIATE_TEST_SUITE_P(Table, StartingDeadlineTest,
                         ::testing::Values(DeadlineCase{0, 1}, DeadlineCase{299, 1}, DeadlineCase{300, 1},
                                           DeadlineCase{301, 0}, DeadlineCase{599, 0}));

struct ConcurrencyCase {
  api::ConcurrencyPolicy policy;
  size_t created;
  size_t cancelled;
  const char* event;
};

class ConcurrencyTest : public ::testing::TestWithParam<ConcurrencyCase> {};

TEST_P(ConcurrencyTest, WithOneActiveRun) {
  const auto& c = GetParam();
  Seconds tick = T("2026-11-22T00:15:00Z");
  FakeCluster cluster(Spec("*/15 * * * *", api::CatchupPolicy::kLatest, c.policy), tick - minutes(20));
  cluster.set_run_minutes(0);  // runs stay active
  cluster.Sync(tick - minutes(15) + seconds(1));
  ASSERT_EQ(cluster.created().size(), 1u);
  auto decision = cluster.Sync(tick + seconds(1));
  EXPECT_EQ(decision.create.size(), c.created);
  EXPECT_EQ(decision.cancel.size(), c.cancelled);
  EXPECT_TRUE(HasEvent(decision, c.event));
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConcurrencyTest,
    ::testing::Values(ConcurrencyCase{api::ConcurrencyPolicy::kAllow, 1, 0, "SuccessfulCreate"},
                      ConcurrencyCase{api::ConcurrencyPolicy::kForbid, 0, 0, "RunAlreadyActive"},
                      ConcurrencyCase{api::ConcurrencyPolicy::kReplace, 1, 1, "SuccessfulCancel"}));

TEST(ScheduleDecisionTest, ForbidIsNotBlockedByADeletedRunInACachedActiveList) {
  Seconds tick = T("2026-11-22T00:15:00Z");
  FakeCluster cluster(Spec("*/15 * * * *", api::CatchupPolicy::kLatest, api::ConcurrencyPolicy::kForbid),
                      tick - minutes(20));
  cluster.status().active_runs = {"wind-gone"};  // stale: the run was deleted
  cluster.status().last_schedule_time = tick - minutes(15);
  auto decision = cluster.Sync(tick + seconds(1));
  EXPECT_EQ(decision.create.size(), 1u);
  EXPECT_EQ(decision.status.active_runs, std::vector<std::string>{ScheduledRunName("wind", tick)});
}

TEST(ScheduleDecisionTest, ForbidRunsTheBlockedTimeOnceTheActiveRunFinishes) {
  Seconds tick = T("2026-11-22T00:15:00Z");
  FakeCluster cluster(Spec("*/15 * * * *", api::CatchupPolicy::kLatest, api::ConcurrencyPolicy::kForbid),
                      tick - minutes(20));
  cluster.set_run_minutes(0);
  cluster.Sync(tick - minutes(15) + seconds(1));
  EXPECT_TRUE(cluster.Sync(tick + seconds(1)).create.empty());
  cluster.runs()[0].phase = api::RunPhase::kSucceeded;
  auto decision = cluster.Sync(tick + minutes(3));
  ASSERT_EQ(decision.create.size(), 1u);
  EXPECT_EQ(decision.create[0].scheduled_time, tick);
}

TEST(ScheduleDecisionTest, AScheduledTimeNeverRunsTwiceWhenTheStatusWriteWasLost) {
  Seconds tick = T("2026-11-22T00:15:00Z");
  FakeCluster cluster(Spec("*/15 * * * *"), tick - minutes(20));
  cluster.Sync(tick + seconds(1));
  ASSERT_EQ(cluster.created().size(), 1u);
  cluster.status() = api::PipelineStatus{};  // the status update after the create failed
  auto decision = cluster.Sync(tick + seconds(2));
  EXPECT_TRUE(decision.create.empty());
  EXPECT_EQ(cluster.created().size(), 1u);
}

TEST(ScheduleDecisionTest, SuspendCreatesNothingAndClearsNextScheduleTime) {
  Seconds tick = T("2026-11-22T00:15:00Z");
  auto spec = Spec("*/15 * * * *");
  spec.schedule->suspend = true;
  FakeCluster cluster(spec, tick - minutes(20));
  cluster.status().next_schedule_time = tick;
  auto decision = cluster.Sync(tick + seconds(1));
  EXPECT_TRUE(decision.create.empty());
  EXPECT_FALSE(decision.status.next_schedule_time.has_value());
  EXPECT_FALSE(decision.requeue_at.has_value());
}

TEST(ScheduleDecisionTest, HistoryLimitsDeleteOldestFinishedRunsFirst) {
  Seconds base = T("2026-11-22T00:00:00Z");
  auto spec = Spec("0 0 1 1 *");
  spec.successful_runs_history_limit = 2;
  spec.failed_runs_history_limit = 1;
  ScheduleInput input{"wind", base, 1, spec, {}, {}, base + hours(10)};
  auto add = [&](const std::string& name, api::RunPhase phase, int start_hour) {
    RunRecord run;
    run.name = name;
    run.phase = phase;
    run.start_time = base + hours(start_hour);
    input.runs.push_back(run);
  };
  add("s3", api::RunPhase::kSucceeded, 3);
  add("s1", api::RunPhase::kSucceeded, 1);
  add("s2", api::RunPhase::kSucceeded, 2);
  add("s4", api::RunPhase::kSucceeded, 4);
  add("f1", api::RunPhase::kFailed, 1);
  add("c2", api::RunPhase::kCancelled, 2);
  add("active", api::RunPhase::kRunning, 0);
  auto decision = DecideSchedule(input);
  EXPECT_EQ(decision.remove, (std::vector<std::string>{"s1", "s2", "f1"}));
  EXPECT_EQ(decision.status.active_runs, std::vector<std::string>{"active"});
}

TEST(ScheduleDecisionTest, InvalidZoneIsAWarningAndNoRequeue) {
  auto spec = Spec("*/15 * * * *");
  spec.schedule->time_zone = "Mars/Olympus";
  ScheduleInput input{"wind", T("2026-11-22T00:00:00Z"), 1, spec, {}, {}, T("2026-11-22T01:00:00Z")};
  auto decision = DecideSchedule(input);
  EXPECT_TRUE(HasEvent(decision, "UnknownTimeZone"));
  EXPECT_TRUE(decision.create.empty());
  EXPECT_FALSE(decision.requeue_at.has_value());
}

TEST(ScheduleDecisionTest, SpringForwardSkippedTimesRunOnceAtTheTransition) {
  // America/New_York, */15 across 2026-03-08 02:00 EST -> 03:00 EDT.
  auto spec = Spec("*/15 * * * *");
  spec.schedule->time_zone = "America/New_York";
  Seconds start = T("2026-03-08T05:00:00Z");  // 00:00 EST
  FakeCluster cluster(spec, start - seconds(1));
  for (Seconds now = start; now < start + hours(23); now += minutes(1)) cluster.Sync(now);
  // A 23-hour local day: 96 wall times minus the 4 skipped ones, which collapse into 03:00.
  EXPECT_EQ(cluster.created().size(), 92u);
}

}  // namespace
}  // namespace seed::engine
