// CanWaitForNextScheduleWrite: which Pipeline status changes may ride along with the next
// scheduled time's status write.
#include <gtest/gtest.h>

#include "api/time_format.h"
#include "engine/schedule_decision.h"

namespace seed::engine {
namespace {

Seconds T(const std::string& text) { return *api::ParseRfc3339(text); }

// The status written when run wind-1 was created for 10:00, with 10:01 next.
api::PipelineStatus Written() {
  api::PipelineStatus status;
  status.observed_generation = 3;
  status.last_schedule_time = T("2026-11-22T10:00:00Z");
  status.next_schedule_time = T("2026-11-22T10:01:00Z");
  status.active_runs = {"wind-1"};
  api::SetCondition(&status.conditions, {"Scheduled", "True", "Scheduled", "next run at 2026-11-22T10:01:00Z",
                                         T("2026-11-22T09:00:00Z"), 3});
  return status;
}

api::PipelineStatus Finished() {
  api::PipelineStatus status = Written();
  status.active_runs.clear();
  status.last_successful_time = T("2026-11-22T10:00:02Z");
  return status;
}

TEST(StatusCoalesceTest, RunFinishingWaitsForTheNextScheduledWriteWithinAMinute) {
  EXPECT_TRUE(CanWaitForNextScheduleWrite(Written(), Finished(), T("2026-11-22T10:00:02Z")));
  EXPECT_TRUE(CanWaitForNextScheduleWrite(Written(), Finished(), T("2026-11-22T10:00:00Z")));
}

TEST(StatusCoalesceTest, RunFinishingIsWrittenAtOnceWhenTheNextTimeIsMoreThanAMinuteAway) {
  api::PipelineStatus written = Written(), finished = Finished();
  written.next_schedule_time = finished.next_schedule_time = T("2026-11-22T11:00:00Z");
  EXPECT_FALSE(CanWaitForNextScheduleWrite(written, finished, T("2026-11-22T10:00:02Z")));
  EXPECT_FALSE(CanWaitForNextScheduleWrite(written, finished, T("2026-11-22T10:58:59Z")));
  EXPECT_TRUE(CanWaitForNextScheduleWrite(written, finished, T("2026-11-22T10:59:00Z")));
}

TEST(StatusCoalesceTest, NoNextScheduleTimeMeansWriteNow) {
  api::PipelineStatus written = Written(), finished = Finished();
  written.next_schedule_time.reset();
  finished.next_schedule_time.reset();
  EXPECT_FALSE(CanWaitForNextScheduleWrite(written, finished, T("2026-11-22T10:00:02Z")));
}

TEST(StatusCoalesceTest, ANewScheduledTimeOrANewActiveRunIsNeverHeldBack) {
  const Seconds now = T("2026-11-22T10:01:00Z");
  api::PipelineStatus next = Finished();
  next.last_schedule_time = T("2026-11-22T10:01:00Z");
  next.next_schedule_time = T("2026-11-22T10:02:00Z");
  EXPECT_FALSE(CanWaitForNextScheduleWrite(Written(), next, now));
  api::PipelineStatus more = Written();
  more.active_runs.push_back("wind-2");
  EXPECT_FALSE(CanWaitForNextScheduleWrite(Written(), more, now));
}

TEST(StatusCoalesceTest, ConditionsAndGenerationAreNeverHeldBack) {
  const Seconds now = T("2026-11-22T10:00:02Z");
  api::PipelineStatus invalid = Finished();
  api::SetCondition(&invalid.conditions, {"Valid", "False", "InvalidSpec", "spec.tasks[0]: ...", now, 3});
  EXPECT_FALSE(CanWaitForNextScheduleWrite(Written(), invalid, now));
  api::PipelineStatus edited = Finished();
  edited.observed_generation = 4;
  EXPECT_FALSE(CanWaitForNextScheduleWrite(Written(), edited, now));
}

TEST(StatusCoalesceTest, NothingChangedCanWait) {
  EXPECT_TRUE(CanWaitForNextScheduleWrite(Written(), Written(), T("2026-11-22T10:00:30Z")));
}

}  // namespace
}  // namespace seed::engine
