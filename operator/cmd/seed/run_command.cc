#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "commands.h"
#include "engine/planner.h"
#include "engine/sweep.h"
#include "loading.h"
#include "local/local_runner.h"
#include "progress_view.h"

namespace seed::cli {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_cancel{false};

void OnSignal(int) { g_cancel.store(true); }

// $SEED_JOB_BIN, else seed-job beside this executable, else whatever PATH finds.
std::string FindSeedJob() {
  if (const char* configured = std::getenv("SEED_JOB_BIN"); configured && *configured) return configured;
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    fs::path sibling = self.parent_path() / "seed-job";
    if (fs::exists(sibling, error)) return sibling.string();
  }
  return "";
}

// Every sweep's trials as a table: the params tried, the objective each reported, the best marked.
void PrintSweeps(std::ostream& out, const api::PipelineSpec& pipeline, const api::PipelineRunStatus& status) {
  for (const auto& task : pipeline.tasks) {
    if (!task.sweep) continue;
    auto found = status.tasks.find(task.name);
    if (found == status.tasks.end() || !found->second.outputs.count("objectives")) continue;
    const auto& outputs = found->second.outputs;
    nlohmann::json objectives = nlohmann::json::parse(outputs.at("objectives"), nullptr, false);
    nlohmann::json trials = engine::SweepTrials(*task.sweep);
    long best = outputs.count("best_trial") ? std::stol(outputs.at("best_trial")) : -1;
    out << "\nsweep " << task.name << " (" << task.sweep->objective << ", "
        << (task.sweep->minimize ? "minimize" : "maximize") << "):\n  " << std::left << std::setw(7)
        << "TRIAL";
    for (const auto& [param, values] : task.sweep->params)
      out << std::setw(std::max<int>(10, param.size() + 2)) << param;
    out << task.sweep->objective << "\n";
    for (size_t i = 0; i < trials.size(); ++i) {
      out << (static_cast<long>(i) == best ? "* " : "  ") << std::setw(7) << i;
      for (const auto& [param, values] : task.sweep->params) {
        const auto& value = trials[i][param];
        out << std::setw(std::max<int>(10, param.size() + 2))
            << (value.is_string() ? value.get<std::string>() : value.dump());
      }
      const auto& objective =
          objectives.is_array() && i < objectives.size() ? objectives[i] : nlohmann::json();
      out << (objective.is_null()     ? "failed"
              : objective.is_string() ? objective.get<std::string>()
                                      : objective.dump())
          << "\n";
    }
  }
}

}  // namespace

int RunCommand(const RunFlags& flags) {
  auto set = LoadValid(flags.paths);
  if (!set) return 2;
  auto prepared =
      PrepareRun(*set, flags.pipeline, flags.sets, flags.run_name, flags.scheduled_time, "default");
  if (!prepared) return 2;
  if (!(flags.retry_backoff > 0) || flags.retry_backoff > 360) {
    std::cerr << "--retry-backoff: use seconds between 0.001 and 360\n";
    return 2;
  }
  local::LocalOptions options;
  std::error_code error;
  fs::create_directories(flags.workspace, error);
  if (error) {
    std::cerr << "--workspace " << flags.workspace << ": " << error.message() << "\n";
    return 2;
  }
  options.workspace = fs::absolute(flags.workspace).lexically_normal().string();
  if (!options.workspace.empty() && options.workspace.back() == '/') options.workspace.pop_back();
  options.seed_job_binary = FindSeedJob();
  auto base = std::chrono::seconds(std::max<long long>(1, std::llround(flags.retry_backoff)));
  options.backoff = {base, base * 36};  // same ratio as the cluster (10 s -> 6 min)
  options.grace = std::chrono::seconds(flags.grace);

  std::vector<std::string> order = engine::TopologicalOrder(prepared->snapshot.pipeline);
  bool tty = !flags.plain && ::isatty(STDOUT_FILENO);
  std::cout << "run " << prepared->run.metadata.name << " of pipeline " << prepared->run.spec.pipeline_ref
            << " (workspace " << options.workspace << "/" << prepared->run.metadata.name << ")\n";
  ProgressView view(std::cout, tty, order);
  local::LocalRunner runner(options, prepared->run, prepared->snapshot, {});

  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  auto status = runner.Run([&](const api::PipelineRunStatus& s) { view.Update(s); }, &g_cancel);
  // Where the results are: every artifact output of a task that succeeded, at the path the planner
  // gave it (the same <workspace>/<run>/<task>/<file> as in a cluster).
  std::vector<ArtifactFile> artifacts;
  for (const auto& name : order) {
    auto task_status = status.tasks.find(name);
    if (task_status == status.tasks.end() || task_status->second.phase != api::TaskPhase::kSucceeded)
      continue;
    for (const auto& task : prepared->snapshot.pipeline.tasks) {
      if (task.name != name) continue;
      auto tmpl = prepared->snapshot.templates.find(task.template_ref);
      if (tmpl == prepared->snapshot.templates.end()) continue;
      for (const auto& output : tmpl->second.outputs) {
        if (output.kind != api::OutputKind::kArtifact) continue;
        std::string path =
            engine::ArtifactPath(options.workspace, prepared->run.metadata.name, name, output.FileName());
        if (fs::exists(path)) artifacts.push_back({name, output.name, path});
      }
    }
  }
  view.Summary(
      status,
      [&](const std::string& task, int64_t item, int64_t attempt) {
        return local::TailLines(runner.LogPath(task, attempt, item), 10);
      },
      [&](const std::string& task, int64_t item, int64_t attempt) {
        return runner.LogPath(task, attempt, item);
      },
      artifacts);
  PrintSweeps(std::cout, prepared->snapshot.pipeline, status);
  return status.phase == api::RunPhase::kSucceeded ? 0 : 1;
}

}  // namespace seed::cli
