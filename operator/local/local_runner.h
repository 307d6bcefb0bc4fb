#pragma once
// Runs one PipelineRun on this machine with the engine's planner: every task attempt is a child
// process, the workspace is a directory, value outputs come from the results file each attempt
// writes, and a stop is SIGTERM, then SIGKILL after a grace period.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "api/pipelinerun.h"
#include "engine/planner.h"
#include "local/child_process.h"

namespace seed::local {

struct LocalOptions {
  std::string workspace;  // absolute directory; logs, results files and (by default) artifacts
  // With an artifact repository: s3://<bucket>/<prefix>, where artifact paths and {{workspace}}
  // point instead of the directory (logs and results files stay in it). Empty: the directory.
  std::string artifact_root;
  // Added to every attempt's environment before the template's env (the repository's settings).
  std::map<std::string, std::string> env;
  std::string seed_job_binary;  // replaces argv[0] "seed-job" (empty: look it up on PATH)
  // Locally a retry waits 1 s, doubling, capped at 36 s (the cluster: 10 s capped at 6 min).
  engine::BackoffPolicy backoff{std::chrono::seconds(1), std::chrono::seconds(36)};
  std::chrono::seconds grace{10};  // SIGTERM -> SIGKILL
  std::chrono::milliseconds poll{50};
};

class LocalRunner {
 public:
  using Observer = std::function<void(const api::PipelineRunStatus&)>;

  LocalRunner(LocalOptions options, api::PipelineRun run, engine::PipelineSnapshot snapshot,
              api::ValidationErrors snapshot_errors);
  ~LocalRunner();

  // Runs to the end; `observer` sees every status; setting `*cancel` cancels the run.
  api::PipelineRunStatus Run(const Observer& observer, const std::atomic<bool>* cancel);

  // <workspace>/<run>/<task>, or .../<task>/<item> for an item of a fanned-out task (item >= 0).
  std::string TaskDir(const std::string& task, int64_t item = -1) const;
  std::string LogPath(const std::string& task, int64_t attempt, int64_t item = -1) const;
  std::string ResultsPath(const std::string& task, int64_t attempt, int64_t item = -1) const;

 private:
  struct Attempt {
    std::unique_ptr<ChildProcess> process;
    engine::ObservedAttempt observed;
    std::optional<std::chrono::steady_clock::time_point> kill_at;
  };

  void Start(const engine::TaskLaunch& launch, engine::Seconds now);
  void Stop(const std::string& task, int64_t item, int64_t attempt);
  engine::ObservedTasks Observe(engine::Seconds now);
  bool AnyLive();

  LocalOptions options_;
  api::PipelineRun run_;
  engine::PipelineSnapshot snapshot_;
  api::ValidationErrors snapshot_errors_;
  std::map<std::tuple<std::string, int64_t, int64_t>, Attempt> attempts_;  // (task, item, attempt)
};

// The last `lines` non-empty lines of a log file.
std::string TailLines(const std::string& path, size_t lines);

}  // namespace seed::local
