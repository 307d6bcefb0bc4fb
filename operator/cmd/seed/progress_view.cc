#include "progress_view.h"

#include <cstdio>

namespace seed::cli {

namespace {

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string FormatDuration(long long seconds) {
  char buffer[32];
  if (seconds < 60)
    std::snprintf(buffer, sizeof buffer, "%llds", seconds);
  else if (seconds < 3600)
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", seconds / 60, seconds % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", seconds / 3600, (seconds % 3600) / 60);
  return buffer;
}

}  // namespace

ProgressView::ProgressView(std::ostream& out, bool redraw, std::vector<std::string> task_order)
    : out_(out), redraw_(redraw), order_(std::move(task_order)) {}

std::string ProgressView::Elapsed(const api::TaskStatus& task) const {
  if (!task.start_time) return "-";
  auto end = task.completion_time.value_or(
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  return FormatDuration(std::max<long long>(0, (end - *task.start_time).count()));
}

void ProgressView::Update(const api::PipelineRunStatus& status) {
  if (!redraw_) {
    auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    for (const auto& name : order_) {
      auto it = status.tasks.find(name);
      if (it == status.tasks.end()) continue;
      const auto& task = it->second;
      std::string key = std::string(api::TaskPhaseName(task.phase)) + "/" + std::to_string(task.attempt);
      if (last_[name] == key) continue;
      last_[name] = key;
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "[%7.1fs] ", elapsed);
      out_ << stamp << Pad(name, 14) << Pad(api::TaskPhaseName(task.phase), 10);
      if (task.attempt > 0) out_ << "attempt " << task.attempt;
      if (!task.message.empty() && task.phase != api::TaskPhase::kPending) out_ << "  " << task.message;
      out_ << "\n";
    }
    out_.flush();
    return;
  }
  if (drawn_lines_ > 0) out_ << "\x1b[" << drawn_lines_ << "A";
  size_t lines = 0;
  out_ << "\x1b[2K" << Pad("TASK", 16) << Pad("STATE", 11) << Pad("ATTEMPT", 9) << Pad("ELAPSED", 9)
       << "MESSAGE\n";
  ++lines;
  for (const auto& name : order_) {
    auto it = status.tasks.find(name);
    if (it == status.tasks.end()) continue;
    const auto& task = it->second;
    std::string message = task.message.substr(0, 60);
    out_ << "\x1b[2K" << Pad(name, 16) << Pad(api::TaskPhaseName(task.phase), 11)
         << Pad(task.attempt ? std::to_string(task.attempt) : "-", 9) << Pad(Elapsed(task), 9) << message
         << "\n";
    ++lines;
  }
  out_ << "\x1b[2K"
       << "run " << api::RunPhaseName(status.phase) << "  " << status.progress << " tasks done\n";
  ++lines;
  drawn_lines_ = lines;
  out_.flush();
}

void ProgressView::Summary(const api::PipelineRunStatus& status,
                           const std::function<std::string(const std::string&, int64_t)>& log_tail,
                           const std::function<std::string(const std::string&, int64_t)>& log_path,
                           const std::vector<ArtifactFile>& artifacts) {
  out_ << "\n" << Pad("TASK", 16) << Pad("RESULT", 11) << Pad("ATTEMPTS", 9) << Pad("TIME", 9) << "OUTPUTS\n";
  for (const auto& name : order_) {
    auto it = status.tasks.find(name);
    if (it == status.tasks.end()) continue;
    const auto& task = it->second;
    std::string outputs;
    for (const auto& [key, value] : task.outputs)
      outputs += (outputs.empty() ? "" : "  ") + key + "=" + value;
    out_ << Pad(name, 16) << Pad(api::TaskPhaseName(task.phase), 11)
         << Pad(task.attempt ? std::to_string(task.attempt) : "-", 9) << Pad(Elapsed(task), 9) << outputs
         << "\n";
  }
  for (const auto& name : order_) {
    auto it = status.tasks.find(name);
    if (it == status.tasks.end()) continue;
    const auto& task = it->second;
    if (task.phase != api::TaskPhase::kFailed && task.phase != api::TaskPhase::kOmitted &&
        task.phase != api::TaskPhase::kSkipped && task.phase != api::TaskPhase::kCancelled) {
      continue;
    }
    out_ << "\n" << name << ": " << api::TaskPhaseName(task.phase) << ": " << task.message << "\n";
    if (task.phase == api::TaskPhase::kFailed && task.attempt > 0) {
      std::string tail = log_tail(name, task.attempt);
      if (!tail.empty()) {
        out_ << "  last lines of " << log_path(name, task.attempt) << ":\n";
        size_t start = 0;
        while (start < tail.size()) {
          size_t end = tail.find('\n', start);
          if (end == std::string::npos) end = tail.size();
          out_ << "    " << tail.substr(start, end - start) << "\n";
          start = end + 1;
        }
      }
    }
  }
  if (!artifacts.empty()) {
    out_ << "\nartifacts:\n";
    for (const auto& artifact : artifacts) {
      out_ << "  " << Pad(artifact.task + "." + artifact.output, 22) << artifact.path << "\n";
    }
  }
  out_ << "\nrun " << api::RunPhaseName(status.phase);
  if (!status.message.empty()) out_ << ": " << status.message;
  out_ << "\n";
  for (const auto& artifact : artifacts) {
    const std::string& path = artifact.path;
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".html") == 0) out_ << "report: " << path << "\n";
  }
  out_.flush();
}

}  // namespace seed::cli
