#pragma once
// A test backend for the planner: every launch becomes an observed attempt that the test finishes
// with an exit code and a results file, as the operator's pods or seed run's processes would.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/time_format.h"
#include "engine/planner.h"

namespace seed::engine {

using nlohmann::json;
using State = ObservedAttempt::State;

inline Seconds T0() { return *api::ParseRfc3339("2026-11-22T16:15:00Z"); }

// The tasks a plan launches, one entry per pod, in order.
inline std::vector<std::string> LaunchedTasks(const Plan& plan) {
  std::vector<std::string> tasks;
  for (const auto& launch : plan.create) tasks.push_back(launch.task);
  return tasks;
}

// Drives the planner as a backend would: every launch becomes an observed attempt, finished by
// `outcome` (exit code and results) one simulated minute later.
class Driver {
 public:
  using Outcome = std::function<std::pair<int64_t, std::string>(const TaskLaunch&)>;

  Driver(const json& pipeline, const std::map<std::string, json>& templates) {
    input_.snapshot = ParseSnapshot(MakeSnapshot(pipeline, templates), &input_.snapshot_errors);
    input_.run.metadata.name = "fleet-1";
    input_.run.metadata.namespace_ = "default";
    input_.run.spec.pipeline_ref = "fleet";
    input_.now = T0();
  }

  const api::ValidationErrors& errors() const { return input_.snapshot_errors; }

  Plan Step() {
    Plan plan = PlanRun(input_);
    input_.run.status = plan.status;
    for (const auto& stop : plan.remove) {  // a deleted pod ends as failed (SIGTERM)
      for (auto& attempt : input_.observed[stop.task]) {
        if (attempt.item != stop.item || attempt.attempt != stop.attempt || attempt.state != State::kRunning)
          continue;
        attempt.state = State::kFailed;
        attempt.exit_code = 143;
        attempt.finish_time = input_.now;
      }
    }
    for (const auto& launch : plan.create) {
      ObservedAttempt attempt;
      attempt.item = launch.item;
      attempt.attempt = launch.attempt;
      attempt.state = State::kRunning;
      attempt.start_time = input_.now;
      auto& list = input_.observed[launch.task];
      bool seen = false;
      for (const auto& existing : list)
        seen = seen || (existing.item == launch.item && existing.attempt == launch.attempt);
      if (!seen) {
        list.push_back(attempt);
        launches_.push_back(launch);
      }
    }
    return plan;
  }

  // FinishRunning, then Step: the plan that follows those attempts' ends.
  Plan FinishThenStep(const Outcome& outcome) {
    FinishRunning(outcome);
    return Step();
  }

  // Finishes every running attempt with `outcome`, one minute on.
  void FinishRunning(const Outcome& outcome) {
    input_.now += std::chrono::minutes(1);
    for (auto& [task, attempts] : input_.observed) {
      for (auto& attempt : attempts) {
        if (attempt.state != State::kRunning) continue;
        TaskLaunch key;
        key.task = task;
        key.item = attempt.item;
        key.attempt = attempt.attempt;
        for (const auto& launch : launches_) {
          if (launch.task == task && launch.item == attempt.item && launch.attempt == attempt.attempt)
            key = launch;
        }
        auto [code, results] = outcome(key);
        attempt.state = code == 0 ? State::kSucceeded : State::kFailed;
        attempt.exit_code = code;
        attempt.finish_time = input_.now;
        attempt.results = results;
      }
    }
  }

  size_t Running() const {
    size_t count = 0;
    for (const auto& [task, attempts] : input_.observed) {
      for (const auto& attempt : attempts) count += attempt.state == State::kRunning;
    }
    return count;
  }

  void Advance(std::chrono::seconds by) { input_.now += by; }
  void Cancel() { input_.run.spec.cancel = true; }
  const std::vector<TaskLaunch>& launches() const { return launches_; }
  const api::PipelineRunStatus& status() const { return input_.run.status; }
  PlanInput& input() { return input_; }

 private:
  PlanInput input_;
  std::vector<TaskLaunch> launches_;
};

}  // namespace seed::engine
