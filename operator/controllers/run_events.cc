#include "controllers/run_events.h"

namespace seed::controllers {

using api::TaskPhase;

std::vector<RunEvent> RunStatusEvents(const api::PipelineRunStatus& before,
                                      const api::PipelineRunStatus& after,
                                      const std::vector<std::string>& task_order) {
  std::vector<RunEvent> events;
  for (const auto& name : task_order) {
    auto now_it = after.tasks.find(name);
    if (now_it == after.tasks.end()) continue;
    const api::TaskStatus& now = now_it->second;
    auto was_it = before.tasks.find(name);
    api::TaskStatus was = was_it == before.tasks.end() ? api::TaskStatus{} : was_it->second;
    if (now.phase == was.phase && now.attempt == was.attempt) continue;
    std::string attempt = " (attempt " + std::to_string(now.attempt) + ")";
    if (now.attempt > was.attempt && now.phase != TaskPhase::kRunning && !now.pod_name.empty()) {
      // The attempt started and settled between two status writes: it still started.
      events.push_back({"Normal", "TaskStarted", "task " + name + " started pod " + now.pod_name + attempt});
    }
    switch (now.phase) {
      case TaskPhase::kRunning:
        events.push_back(
            {"Normal", "TaskStarted", "task " + name + " started pod " + now.pod_name + attempt});
        break;
      case TaskPhase::kSucceeded:
        events.push_back({"Normal", "TaskSucceeded", "task " + name + " succeeded" + attempt});
        break;
      case TaskPhase::kFailed:
        events.push_back(
            {"Warning", "TaskFailed", "task " + name + " failed" + attempt + ": " + now.message});
        break;
      case TaskPhase::kRetrying:
        events.push_back({"Warning", "TaskRetrying", "task " + name + ": " + now.message});
        break;
      case TaskPhase::kSkipped:
        events.push_back({"Normal", "TaskSkipped", "task " + name + ": " + now.message});
        break;
      default:
        break;
    }
  }
  if (after.phase != before.phase && api::IsTerminal(after.phase)) {
    std::string phase = api::RunPhaseName(after.phase);
    std::string message = "run " + phase + " (" + after.progress + " tasks done)";
    if (!after.message.empty()) message += ": " + after.message;
    events.push_back(
        {after.phase == api::RunPhase::kSucceeded ? "Normal" : "Warning", "Run" + phase, message});
  }
  return events;
}

}  // namespace seed::controllers
