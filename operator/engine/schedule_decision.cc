#include "engine/schedule_decision.h"

#include <date/tz.h>

#include <algorithm>
#include <deque>
#include <set>

namespace seed::engine {
namespace {

using std::chrono::seconds;

std::string Format(Seconds time) { return api::FormatRfc3339(time); }

bool Succeeded(const RunRecord& run) { return run.phase == api::RunPhase::kSucceeded; }
bool Finished(const RunRecord& run) { return api::IsTerminal(run.phase); }

// Oldest first by start time (runs that never started last), name as tie-breaker, like CronJob.
void SortByStart(std::vector<const RunRecord*>* runs) {
  std::sort(runs->begin(), runs->end(), [](const RunRecord* a, const RunRecord* b) {
    if (a->start_time.has_value() != b->start_time.has_value()) return a->start_time.has_value();
    if (a->start_time && *a->start_time != *b->start_time) return *a->start_time < *b->start_time;
    return a->name < b->name;
  });
}

void CleanupHistory(const ScheduleInput& input, ScheduleDecision* decision) {
  std::vector<const RunRecord*> succeeded, failed;
  for (const auto& run : input.runs) {
    if (!Finished(run)) continue;
    (Succeeded(run) ? succeeded : failed).push_back(&run);
  }
  auto trim = [&](std::vector<const RunRecord*>& runs, int64_t limit) {
    SortByStart(&runs);
    for (int64_t i = 0; i + limit < static_cast<int64_t>(runs.size()); ++i)
      decision->remove.push_back(runs[i]->name);
  };
  trim(succeeded, input.spec.successful_runs_history_limit);
  trim(failed, input.spec.failed_runs_history_limit);
}

void SetScheduledCondition(ScheduleDecision* decision, const ScheduleInput& input, const std::string& status,
                           const std::string& reason, const std::string& message) {
  api::SetCondition(&decision->status.conditions,
                    {"Scheduled", status, reason, message, input.now, input.generation});
}

}  // namespace

std::string ScheduledRunName(const std::string& pipeline, Seconds scheduled_time) {
  return pipeline + "-" + std::to_string(scheduled_time.time_since_epoch().count() / 60);
}

ScheduleDecision DecideSchedule(const ScheduleInput& input) {
  ScheduleDecision decision;
  decision.status = input.status;
  decision.status.observed_generation = input.generation;

  std::set<std::string> existing;
  std::vector<std::string> active;
  for (const auto& run : input.runs) {
    existing.insert(run.name);
    if (!Finished(run)) active.push_back(run.name);
    if (Succeeded(run) && run.completion_time &&
        (!decision.status.last_successful_time ||
         *run.completion_time > *decision.status.last_successful_time)) {
      decision.status.last_successful_time = run.completion_time;
    }
  }
  std::sort(active.begin(), active.end());
  decision.status.active_runs = active;
  CleanupHistory(input, &decision);

  if (!input.spec.schedule) {
    decision.status.next_schedule_time.reset();
    return decision;
  }
  const api::Schedule& schedule = *input.spec.schedule;
  std::string error;
  auto cron = CronSchedule::Parse(schedule.cron, &error);
  if (!cron) {
    decision.events.push_back({"Warning", "InvalidSchedule", "spec.schedule.cron: " + error});
    SetScheduledCondition(&decision, input, "False", "InvalidSchedule", "spec.schedule.cron: " + error);
    decision.status.next_schedule_time.reset();
    return decision;
  }
  const date::time_zone* zone = nullptr;
  try {
    zone = date::locate_zone(schedule.time_zone);
  } catch (const std::exception&) {
    std::string message = "spec.schedule.timeZone: unknown time zone \"" + schedule.time_zone + "\"";
    decision.events.push_back({"Warning", "UnknownTimeZone", message});
    SetScheduledCondition(&decision, input, "False", "UnknownTimeZone", message);
    decision.status.next_schedule_time.reset();
    return decision;
  }
  if (schedule.suspend) {
    SetScheduledCondition(&decision, input, "False", "Suspended", "spec.schedule.suspend is true");
    decision.status.next_schedule_time.reset();
    return decision;
  }

  // Everything up to the watermark has been handled: the last scheduled time recorded, or one a
  // live run carries (the status write may have been lost after the run was created).
  Seconds watermark = input.creation_time.value_or(input.now);
  if (input.status.last_schedule_time) watermark = std::max(watermark, *input.status.last_schedule_time);
  for (const auto& run : input.runs) {
    if (run.scheduled_time && run.name == ScheduledRunName(input.pipeline_name, *run.scheduled_time)) {
      watermark = std::max(watermark, *run.scheduled_time);
    }
  }
  if (watermark < input.now - seconds(kMaxLookbackSeconds))
    watermark = input.now - seconds(kMaxLookbackSeconds);

  // Due times in (watermark, now], keeping only the most recent `keep` of them.
  const size_t keep = static_cast<size_t>(std::max<int64_t>(schedule.max_catchup_runs, 1));
  std::deque<Seconds> due;
  int64_t due_count = 0;
  for (auto t = cron->Next(watermark, zone); t && *t <= input.now; t = cron->Next(*t, zone)) {
    ++due_count;
    due.push_back(*t);
    if (due.size() > keep) due.pop_front();
  }
  if (due_count > kTooManyMissed) {
    decision.events.push_back({"Warning", "TooManyMissedTimes",
                               std::to_string(due_count) + " start times were missed since " +
                                   Format(watermark) + "; catchup " +
                                   api::CatchupPolicyName(schedule.catchup) +
                                   " decides which run (the most recent is never lost for Latest and All)"});
  }

  // startingDeadlineSeconds: a time not started within the deadline is missed for good.
  std::vector<Seconds> candidates;
  int64_t expired = 0;
  for (Seconds t : due) {
    if (schedule.starting_deadline_seconds && t + seconds(*schedule.starting_deadline_seconds) < input.now) {
      ++expired;
    } else {
      candidates.push_back(t);
    }
  }
  if (expired > 0) {
    decision.events.push_back(
        {"Warning", "MissSchedule",
         std::to_string(expired) + " scheduled time(s) passed their startingDeadlineSeconds (" +
             std::to_string(*schedule.starting_deadline_seconds) + " s) and will not run"});
  }

  // Catch-up policy.
  if (!candidates.empty()) {
    size_t before = candidates.size();
    switch (schedule.catchup) {
      case api::CatchupPolicy::kNone: {
        int64_t window = schedule.starting_deadline_seconds.value_or(kOnTimeWindowSeconds);
        Seconds latest = candidates.back();
        candidates.clear();
        if (latest + seconds(window) >= input.now) candidates.push_back(latest);
        break;
      }
      case api::CatchupPolicy::kLatest:
        candidates.erase(candidates.begin(), candidates.end() - 1);
        break;
      case api::CatchupPolicy::kAll:
        break;
    }
    if (schedule.concurrency_policy == api::ConcurrencyPolicy::kReplace && candidates.size() > 1) {
      candidates.erase(candidates.begin(), candidates.end() - 1);  // each would replace the one before
    }
    size_t skipped = static_cast<size_t>(due_count - expired) - candidates.size();
    if (skipped > 0 && before > 0) {
      decision.events.push_back({"Normal", "SkippedMissedTimes",
                                 std::to_string(skipped) + " missed scheduled time(s) skipped by catchup " +
                                     api::CatchupPolicyName(schedule.catchup)});
    }
  }
  candidates.erase(
      std::remove_if(candidates.begin(), candidates.end(),
                     [&](Seconds t) { return existing.count(ScheduledRunName(input.pipeline_name, t)); }),
      candidates.end());

  // Concurrency, with "active" taken from the live runs passed in.
  if (!candidates.empty()) {
    switch (schedule.concurrency_policy) {
      case api::ConcurrencyPolicy::kAllow:
        break;
      case api::ConcurrencyPolicy::kForbid:
        if (!active.empty()) {
          decision.events.push_back({"Normal", "RunAlreadyActive",
                                     "not starting the run for " + Format(candidates.front()) +
                                         ": concurrencyPolicy is Forbid and " + active.front() +
                                         " is still active"});
          candidates.clear();
        } else {
          candidates.resize(1);  // the next one waits until this one has finished
        }
        break;
      case api::ConcurrencyPolicy::kReplace:
        for (const auto& run : input.runs) {
          if (!Finished(run) && !run.cancel_requested) decision.cancel.push_back(run.name);
        }
        break;
    }
  }
  for (Seconds t : candidates) {
    decision.create.push_back({ScheduledRunName(input.pipeline_name, t), t});
    decision.events.push_back(
        {"Normal", "SuccessfulCreate", "created run " + decision.create.back().name + " for " + Format(t)});
    decision.status.last_schedule_time = t;
  }
  for (const auto& name : decision.cancel) {
    decision.events.push_back(
        {"Normal", "SuccessfulCancel", "cancelled run " + name + " (concurrencyPolicy Replace)"});
  }
  for (const auto& run : decision.create) decision.status.active_runs.push_back(run.name);
  std::sort(decision.status.active_runs.begin(), decision.status.active_runs.end());

  decision.status.next_schedule_time = cron->Next(input.now, zone);
  decision.requeue_at = decision.status.next_schedule_time;
  if (decision.status.next_schedule_time) {
    SetScheduledCondition(&decision, input, "True", "Scheduled",
                          "next run at " + Format(*decision.status.next_schedule_time));
  } else {
    SetScheduledCondition(&decision, input, "False", "NeverFires",
                          "the cron expression matches no time in the next 8 years");
  }
  return decision;
}

bool CanWaitForNextScheduleWrite(const api::PipelineStatus& written, const api::PipelineStatus& decided,
                                 Seconds now) {
  if (!decided.next_schedule_time || *decided.next_schedule_time > now + seconds(kStatusCoalesceSeconds))
    return false;
  for (const auto& run : decided.active_runs) {
    if (std::find(written.active_runs.begin(), written.active_runs.end(), run) == written.active_runs.end())
      return false;
  }
  api::PipelineStatus rest = decided;
  rest.active_runs = written.active_runs;
  rest.last_successful_time = written.last_successful_time;
  return api::PipelineStatusToJson(rest) == api::PipelineStatusToJson(written);
}

}  // namespace seed::engine
