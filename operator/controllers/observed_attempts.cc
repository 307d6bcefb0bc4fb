#include "controllers/observed_attempts.h"

#include <algorithm>

#include "api/time_format.h"
#include "render/labels.h"

namespace seed::controllers {
namespace {

using nlohmann::json;
using State = engine::ObservedAttempt::State;

// The task container's status: the one named "main", else the first.
const json* MainContainerStatus(const json& status) {
  auto it = status.find("containerStatuses");
  if (it == status.end() || !it->is_array() || it->empty()) return nullptr;
  for (const auto& container : *it) {
    if (container.value("name", "") == "main") return &container;
  }
  return &it->front();
}
}  // namespace

std::optional<std::pair<std::string, engine::ObservedAttempt>> ObserveTaskPod(const json& pod) {
  const json& metadata = pod.value("metadata", json::object());
  const json labels = metadata.value("labels", json::object());
  auto task = labels.find(render::kTaskLabel);
  auto attempt_label = labels.find(render::kAttemptLabel);
  if (task == labels.end() || attempt_label == labels.end() || !task->is_string() ||
      !attempt_label->is_string()) {
    return std::nullopt;
  }
  engine::ObservedAttempt attempt;
  try {
    attempt.attempt = std::stoll(attempt_label->get<std::string>());
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (auto item = labels.find(render::kItemLabel); item != labels.end()) {
    try {
      attempt.item = item->is_string() ? std::stoll(item->get<std::string>()) : -1;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (attempt.item < 0) return std::nullopt;
  }
  const json status = pod.value("status", json::object());
  const std::string phase = status.value("phase", "Pending");
  if (phase == "Running") {
    attempt.state = State::kRunning;
  } else if (phase == "Succeeded") {
    attempt.state = State::kSucceeded;
  } else if (phase == "Failed") {
    attempt.state = State::kFailed;
  } else {
    attempt.state = State::kPending;
  }
  attempt.start_time = api::TimeField(status, "startTime");
  attempt.reason = status.value("reason", "");
  attempt.message = status.value("message", "");
  if (const json* container = MainContainerStatus(status)) {
    const json state = container->value("state", json::object());
    if (state.contains("terminated") && state["terminated"].is_object()) {
      const json& terminated = state["terminated"];
      if (terminated.contains("exitCode") && terminated["exitCode"].is_number_integer()) {
        attempt.exit_code = terminated["exitCode"].get<int64_t>();
      }
      if (attempt.reason.empty()) {
        std::string reason = terminated.value("reason", "");
        // "Completed" and "Error" restate the exit code; keep only causes such as OOMKilled.
        if (reason != "Completed" && reason != "Error") attempt.reason = reason;
      }
      attempt.results = terminated.value("message", "");
      if (!attempt.start_time) attempt.start_time = api::TimeField(terminated, "startedAt");
      attempt.finish_time = api::TimeField(terminated, "finishedAt");
    }
  }
  if (attempt.state == State::kFailed && !attempt.exit_code && attempt.reason.empty())
    attempt.reason = "PodFailed";
  return std::make_pair(task->get<std::string>(), std::move(attempt));
}

engine::ObservedTasks ObserveTaskPods(const std::vector<const json*>& pods) {
  engine::ObservedTasks observed;
  for (const json* pod : pods) {
    if (auto item = ObserveTaskPod(*pod)) observed[item->first].push_back(std::move(item->second));
  }
  for (auto& [task, attempts] : observed) {
    std::sort(attempts.begin(), attempts.end(),
              [](const auto& a, const auto& b) { return a.attempt < b.attempt; });
  }
  return observed;
}

}  // namespace seed::controllers
