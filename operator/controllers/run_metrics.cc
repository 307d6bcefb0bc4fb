#include "controllers/run_metrics.h"

#include <date/tz.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "api/time_format.h"
#include "engine/cron.h"

namespace seed::controllers {
namespace {

using nlohmann::json;

double Between(const std::optional<api::Seconds>& start, const std::optional<api::Seconds>& end) {
  if (!start || !end || *end < *start) return 0;
  return double((*end - *start).count());
}

bool CountsAsFinished(const char* phase) {
  const std::string p = phase;
  return p == "Succeeded" || p == "Failed" || p == "Cancelled";
}

std::string Text(const json& object, const char* a, const char* b) {
  auto outer = object.find(a);
  if (outer == object.end() || !outer->is_object()) return "";
  auto inner = outer->find(b);
  return inner != outer->end() && inner->is_string() ? inner->get<std::string>() : "";
}

std::optional<api::Seconds> Time(const json& object, const char* a, const char* b) {
  std::string text = Text(object, a, b);
  return text.empty() ? std::nullopt : api::ParseRfc3339(text);
}

double Unix(api::Seconds t) { return double(t.time_since_epoch().count()); }

}  // namespace

RunObservations ObserveRunStatusChange(const api::PipelineRunStatus& before,
                                       const api::PipelineRunStatus& after) {
  RunObservations out;
  for (const auto& [task, now] : after.tasks) {
    auto it = before.tasks.find(task);
    const api::TaskStatus* was = it == before.tasks.end() ? nullptr : &it->second;
    const int64_t first_new_attempt = std::max<int64_t>(was ? was->attempt : 0, 1);
    if (now.attempt > first_new_attempt) out.retries.emplace_back(task, now.attempt - first_new_attempt);
    const char* phase = api::TaskPhaseName(now.phase);
    if (CountsAsFinished(phase) && !(was && was->phase == now.phase) && now.start_time) {
      out.finished.push_back({task, phase, Between(now.start_time, now.completion_time)});
    }
  }
  const char* phase = api::RunPhaseName(after.phase);
  if (CountsAsFinished(phase) && before.phase != after.phase) {
    out.finished.push_back({"", phase, Between(after.start_time, after.completion_time)});
  }
  return out;
}

std::vector<double> RunDurationBuckets() {
  return {1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400};
}

void RunMetrics::Record(const std::string& ns, const std::string& pipeline,
                        const api::PipelineRunStatus& before, const api::PipelineRunStatus& after) {
  RunObservations seen = ObserveRunStatusChange(before, after);
  for (const auto& finished : seen.finished) {
    if (finished.task.empty()) {
      metrics_
          .GetHistogram("seed_pipelinerun_duration_seconds",
                        "Seconds from a PipelineRun's start to its end, by the phase it ended in.",
                        {{"namespace", ns}, {"pipeline", pipeline}, {"phase", finished.phase}},
                        RunDurationBuckets())
          .Observe(finished.seconds);
    } else {
      metrics_
          .GetHistogram(
              "seed_task_duration_seconds",
              "Seconds from a task's first attempt to its end (retries included), by the phase it "
              "ended in.",
              {{"namespace", ns}, {"pipeline", pipeline}, {"task", finished.task}, {"phase", finished.phase}},
              RunDurationBuckets())
          .Observe(finished.seconds);
    }
  }
  for (const auto& [task, count] : seen.retries) {
    metrics_
        .GetCounter("seed_task_retries_total", "Task attempts started after a failed one.",
                    {{"namespace", ns}, {"pipeline", pipeline}, {"task", task}})
        .Inc(double(count));
  }
}

std::vector<kube::Metrics::CollectedGauge> PipelineStateGauges(const std::vector<const json*>& pipelines,
                                                               const std::vector<const json*>& runs,
                                                               api::Seconds now) {
  using Key = std::pair<std::string, std::string>;  // namespace, pipeline
  struct Finished {
    api::Seconds when;
    bool succeeded;
  };
  std::map<Key, std::map<std::string, int>> by_phase;
  std::map<Key, std::vector<Finished>> finished;
  for (const json* run : runs) {
    Key key{Text(*run, "metadata", "namespace"), ""};
    auto ref = run->find("spec");
    if (ref != run->end() && ref->is_object()) {
      auto name = ref->find("pipelineRef");
      if (name != ref->end() && name->is_object()) key.second = name->value("name", "");
    }
    std::string phase = Text(*run, "status", "phase");
    if (phase.empty()) phase = "Pending";
    ++by_phase[key][phase];
    if (phase == "Succeeded" || phase == "Failed") {
      auto when = Time(*run, "spec", "scheduledTime");
      if (!when) when = Time(*run, "metadata", "creationTimestamp");
      finished[key].push_back({when.value_or(api::Seconds{}), phase == "Succeeded"});
    }
  }

  kube::Metrics::CollectedGauge runs_by_phase{"seed_pipeline_runs",
                                              "PipelineRuns of a Pipeline that exist now, by phase (finished "
                                              "ones until the history limits delete them).",
                                              {}};
  kube::Metrics::CollectedGauge last_success{
      "seed_pipeline_last_success_timestamp_seconds",
      "Unix time of the Pipeline's last successful run (status.lastSuccessfulTime); absent before the first.",
      {}};
  kube::Metrics::CollectedGauge last_schedule{
      "seed_pipeline_last_schedule_timestamp_seconds", "Unix time of the Pipeline's last scheduled run.", {}};
  kube::Metrics::CollectedGauge next_schedule{
      "seed_pipeline_next_schedule_timestamp_seconds",
      "Unix time of the Pipeline's next scheduled run; absent when unscheduled or suspended.",
      {}};
  kube::Metrics::CollectedGauge interval{
      "seed_pipeline_schedule_interval_seconds",
      "Seconds between the Pipeline's next two scheduled times; absent when unscheduled or suspended.",
      {}};
  kube::Metrics::CollectedGauge created{
      "seed_pipeline_created_timestamp_seconds", "Unix time the Pipeline was created.", {}};
  kube::Metrics::CollectedGauge failed_in_a_row{
      "seed_pipeline_consecutive_failed_runs",
      "Failed runs since the last successful one, newest first by scheduled time (bounded by "
      "failedRunsHistoryLimit, since older failed runs are deleted).",
      {}};

  for (const json* pipeline : pipelines) {
    const Key key{Text(*pipeline, "metadata", "namespace"), Text(*pipeline, "metadata", "name")};
    const kube::Labels labels{{"namespace", key.first}, {"pipeline", key.second}};
    auto phases = by_phase.find(key);
    for (const char* phase : {"Pending", "Running", "Succeeded", "Failed", "Cancelled"}) {
      int count = 0;
      if (phases != by_phase.end()) {
        auto it = phases->second.find(phase);
        if (it != phases->second.end()) count = it->second;
      }
      kube::Labels with_phase = labels;
      with_phase.emplace_back("phase", phase);
      runs_by_phase.samples.emplace_back(std::move(with_phase), count);
    }
    if (auto t = Time(*pipeline, "status", "lastSuccessfulTime"))
      last_success.samples.emplace_back(labels, Unix(*t));
    if (auto t = Time(*pipeline, "status", "lastScheduleTime"))
      last_schedule.samples.emplace_back(labels, Unix(*t));
    if (auto t = Time(*pipeline, "metadata", "creationTimestamp"))
      created.samples.emplace_back(labels, Unix(*t));

    const json spec = pipeline->value("spec", json::object());
    const json schedule = spec.is_object() ? spec.value("schedule", json()) : json();
    if (schedule.is_object() && !schedule.value("suspend", false) && schedule.contains("cron")) {
      std::string error;
      auto cron = engine::CronSchedule::Parse(schedule.value("cron", ""), &error);
      const date::time_zone* zone = nullptr;
      try {
        zone = date::locate_zone(schedule.value("timeZone", "UTC"));
      } catch (const std::exception&) {
        zone = nullptr;  // the Valid condition reports it
      }
      if (cron && zone) {
        auto first = cron->Next(now, zone);
        auto second = first ? cron->Next(*first, zone) : std::nullopt;
        if (first) next_schedule.samples.emplace_back(labels, Unix(*first));
        if (first && second) interval.samples.emplace_back(labels, double((*second - *first).count()));
      }
    }

    int failed = 0;
    if (auto it = finished.find(key); it != finished.end()) {
      auto& list = it->second;
      std::sort(list.begin(), list.end(),
                [](const Finished& a, const Finished& b) { return a.when > b.when; });
      for (const auto& run : list) {
        if (run.succeeded) break;
        ++failed;
      }
    }
    failed_in_a_row.samples.emplace_back(labels, failed);
  }
  return {std::move(runs_by_phase),  std::move(last_success), std::move(last_schedule),
          std::move(next_schedule),  std::move(interval),     std::move(created),
          std::move(failed_in_a_row)};
}

}  // namespace seed::controllers
