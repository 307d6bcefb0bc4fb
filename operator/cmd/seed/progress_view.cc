#include "progress_view.h"

#include <cctype>
#include <cstdio>
#include <map>

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

// A fanned-out task in one line, whatever its item count: "12 items: 8 succeeded, 3 running, 1 failed".
std::string ItemsLine(const api::TaskStatus& task) {
  if (!task.items) return "";
  std::map<api::TaskPhase, size_t> counts;
  for (char letter : task.items->phases)
    ++counts[api::ItemPhaseFromLetter(letter).value_or(api::TaskPhase::kPending)];
  std::string text = std::to_string(task.items->phases.size()) + " items";
  std::string parts;
  for (const auto& [phase, count] : counts) {
    std::string word = api::TaskPhaseName(phase);
    word[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(word[0])));
    parts += (parts.empty() ? ": " : ", ") + std::to_string(count) + " " + word;
  }
  return text + parts;
}

std::string Shorten(const std::string& text, size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
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
      if (task.items && !task.items->phases.empty()) {
        // A line per tenth of the items done and per new failure, never one per item.
        size_t total = task.items->phases.size();
        size_t done = 0, failed = 0;
        for (char letter : task.items->phases) {
          done += api::IsTerminal(api::ItemPhaseFromLetter(letter).value_or(api::TaskPhase::kPending));
          failed += letter == 'F';
        }
        key += "/" + std::to_string(done * 10 / total) + "/" + std::to_string(failed);
      }
      if (last_[name] == key) continue;
      last_[name] = key;
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "[%7.1fs] ", elapsed);
      out_ << stamp << Pad(name, 14) << Pad(api::TaskPhaseName(task.phase), 10);
      if (task.attempt > 0) out_ << "attempt " << task.attempt;
      if (task.items) {
        out_ << ItemsLine(task);
      } else if (!task.message.empty() && task.phase != api::TaskPhase::kPending) {
        out_ << "  " << task.message;
      }
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
    std::string message = Shorten(task.items ? ItemsLine(task) : task.message, 60);
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

void ProgressView::Summary(const api::PipelineRunStatus& status, const LogLookup& log_tail,
                           const LogLookup& log_path, const std::vector<ArtifactFile>& artifacts) {
  auto print_tail = [&](const std::string& name, int64_t item, int64_t attempt) {
    std::string tail = log_tail(name, item, attempt);
    if (tail.empty()) return;
    out_ << "  last lines of " << log_path(name, item, attempt) << ":\n";
    size_t start = 0;
    while (start < tail.size()) {
      size_t end = tail.find('\n', start);
      if (end == std::string::npos) end = tail.size();
      out_ << "    " << tail.substr(start, end - start) << "\n";
      start = end + 1;
    }
  };
  out_ << "\n" << Pad("TASK", 16) << Pad("RESULT", 11) << Pad("ATTEMPTS", 9) << Pad("TIME", 9) << "OUTPUTS\n";
  for (const auto& name : order_) {
    auto it = status.tasks.find(name);
    if (it == status.tasks.end()) continue;
    const auto& task = it->second;
    std::string outputs;
    for (const auto& [key, value] : task.outputs)
      outputs += (outputs.empty() ? "" : "  ") + key + "=" + (task.items ? Shorten(value, 60) : value);
    std::string attempts = task.attempt ? std::to_string(task.attempt) : "-";
    if (task.items) attempts = std::to_string(task.items->phases.size()) + " items";
    out_ << Pad(name, 16) << Pad(api::TaskPhaseName(task.phase), 11) << Pad(attempts, 9)
         << Pad(Elapsed(task), 9) << outputs << "\n";
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
    if (task.phase == api::TaskPhase::kFailed && task.attempt > 0) print_tail(name, -1, task.attempt);
    if (task.items) {
      for (const auto& failure : task.items->failures) {
        out_ << "  item " << failure.item << ": " << failure.message << "\n";
        if (failure.attempt > 0) print_tail(name, failure.item, failure.attempt);
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
