#include "local/local_runner.h"

#include <signal.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/time_format.h"

extern char** environ;

namespace seed::local {

namespace fs = std::filesystem;
using State = engine::ObservedAttempt::State;

namespace {

engine::Seconds Now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The pod's view of the workspace is /seed/workspace; locally it is the workspace directory.
std::string MapWorkspace(const std::string& arg, const std::string& workspace) {
  static const std::string kPodWorkspace = "/seed/workspace";
  if (arg.rfind(kPodWorkspace, 0) == 0 &&
      (arg.size() == kPodWorkspace.size() || arg[kPodWorkspace.size()] == '/')) {
    return workspace + arg.substr(kPodWorkspace.size());
  }
  return arg;
}

}  // namespace

std::string TailLines(const std::string& path, size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  std::string text;
  for (const auto& item : lines) text += item + "\n";
  return text;
}

LocalRunner::LocalRunner(LocalOptions options, api::PipelineRun run, engine::PipelineSnapshot snapshot,
                         api::ValidationErrors snapshot_errors)
    : options_(std::move(options)),
      run_(std::move(run)),
      snapshot_(std::move(snapshot)),
      snapshot_errors_(std::move(snapshot_errors)) {}

LocalRunner::~LocalRunner() = default;

std::string LocalRunner::TaskDir(const std::string& task, int64_t item) const {
  std::string dir = options_.workspace + "/" + run_.metadata.name + "/" + task;
  return item < 0 ? dir : dir + "/" + std::to_string(item);
}

std::string LocalRunner::LogPath(const std::string& task, int64_t attempt, int64_t item) const {
  return TaskDir(task, item) + "/attempt-" + std::to_string(attempt) + ".log";
}

std::string LocalRunner::ResultsPath(const std::string& task, int64_t attempt, int64_t item) const {
  return TaskDir(task, item) + "/attempt-" + std::to_string(attempt) + ".results.json";
}

void LocalRunner::Start(const engine::TaskLaunch& launch, engine::Seconds now) {
  auto key = std::make_tuple(launch.task, launch.item, launch.attempt);
  if (attempts_.count(key)) return;  // already started: creates are idempotent
  Attempt& attempt = attempts_[key];
  attempt.observed.item = launch.item;
  attempt.observed.attempt = launch.attempt;
  attempt.observed.state = State::kRunning;
  attempt.observed.start_time = now;

  std::error_code ignored;
  fs::create_directories(TaskDir(launch.task, launch.item), ignored);
  std::string results = ResultsPath(launch.task, launch.attempt, launch.item);
  fs::remove(results, ignored);

  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text = *entry;
    auto eq = text.find('=');
    if (eq != std::string::npos) env[text.substr(0, eq)] = text.substr(eq + 1);
  }
  auto add_env = [&](const nlohmann::json& list) {
    for (const auto& item : list) {
      if (item.is_object() && item.contains("name") && item.contains("value") && item["value"].is_string()) {
        env[item["name"].get<std::string>()] = item["value"].get<std::string>();
      }
    }
  };
  for (const auto& [name, value] : options_.env) env[name] = value;
  add_env(snapshot_.pipeline.pod_defaults.env);
  add_env(launch.spec.env);
  env["SEED_RESULTS_FILE"] = results;
  env["SEED_RUN"] = run_.metadata.name;
  env["SEED_TASK"] = launch.task;
  env["SEED_ATTEMPT"] = std::to_string(launch.attempt);
  if (launch.item >= 0) env["SEED_ITEM"] = std::to_string(launch.item);
  env["SEED_SCHEDULED_TIME"] = api::FormatRfc3339(launch.scheduled_time);
  const std::string& root = options_.artifact_root.empty() ? options_.workspace : options_.artifact_root;
  env["SEED_WORKSPACE"] = root;

  std::vector<std::string> argv = launch.spec.command;
  argv.insert(argv.end(), launch.spec.args.begin(), launch.spec.args.end());
  for (auto& arg : argv) arg = MapWorkspace(arg, root);
  if (!argv.empty() && argv[0] == "seed-job" && !options_.seed_job_binary.empty())
    argv[0] = options_.seed_job_binary;

  std::string log = LogPath(launch.task, launch.attempt, launch.item);
  {
    std::ofstream header(log, std::ios::app);
    header << "# seed: attempt " << launch.attempt << " of " << launch.task;
    if (launch.item >= 0) header << " item " << launch.item;
    header << ":";
    for (const auto& arg : argv) header << " " << arg;
    header << "\n";
  }
  try {
    attempt.process =
        std::make_unique<ChildProcess>(ChildProcess::Start(argv, env, fs::current_path().string(), log));
  } catch (const std::exception& error) {
    attempt.observed.state = State::kFailed;
    attempt.observed.exit_code = 127;
    attempt.observed.finish_time = now;
    attempt.observed.message =
        std::string(error.what()) + (argv[0] == "seed-job" ? " (build seed-job or set SEED_JOB_BIN)" : "");
    std::ofstream(log, std::ios::app) << "seed: " << attempt.observed.message << "\n";
  }
}

void LocalRunner::Stop(const std::string& task, int64_t item, int64_t attempt_number) {
  auto it = attempts_.find({task, item, attempt_number});
  if (it == attempts_.end() || !it->second.process || it->second.kill_at) return;
  if (it->second.observed.state != State::kRunning) return;
  it->second.process->Signal(SIGTERM);
  it->second.kill_at = std::chrono::steady_clock::now() + options_.grace;
}

engine::ObservedTasks LocalRunner::Observe(engine::Seconds now) {
  engine::ObservedTasks observed;
  for (auto& [key, attempt] : attempts_) {
    if (attempt.process && attempt.observed.state == State::kRunning) {
      if (auto exit = attempt.process->Poll()) {
        attempt.observed.finish_time = now;
        attempt.observed.exit_code = exit->exit_code;
        attempt.observed.state = exit->exit_code == 0 ? State::kSucceeded : State::kFailed;
        if (exit->signal) attempt.observed.reason = "Signal " + std::to_string(exit->signal);
        const auto& [task, item, number] = key;
        attempt.observed.results = ReadAll(ResultsPath(task, number, item));
        if (exit->exit_code != 0) {
          std::string tail = TailLines(LogPath(task, number, item), 1);
          while (!tail.empty() && tail.back() == '\n') tail.pop_back();
          attempt.observed.message = tail;
        }
      } else if (attempt.kill_at && std::chrono::steady_clock::now() >= *attempt.kill_at) {
        attempt.process->Signal(SIGKILL);
      }
    }
    observed[std::get<0>(key)].push_back(attempt.observed);
  }
  return observed;
}

bool LocalRunner::AnyLive() {
  for (auto& [key, attempt] : attempts_) {
    if (attempt.observed.state == State::kRunning) return true;
  }
  return false;
}

api::PipelineRunStatus LocalRunner::Run(const Observer& observer, const std::atomic<bool>* cancel) {
  fs::create_directories(options_.workspace + "/" + run_.metadata.name);
  while (true) {
    engine::Seconds now = Now();
    engine::PlanInput input;
    input.observed = Observe(now);
    if (cancel && cancel->load()) run_.spec.cancel = true;
    input.run = run_;
    input.snapshot = snapshot_;
    input.snapshot_errors = snapshot_errors_;
    input.now = now;
    input.options.workspace_root =
        options_.artifact_root.empty() ? options_.workspace : options_.artifact_root;
    input.options.backoff = options_.backoff;
    engine::Plan plan = engine::PlanRun(input);
    for (const auto& stop : plan.remove) Stop(stop.task, stop.item, stop.attempt);
    for (const auto& launch : plan.create) Start(launch, now);
    run_.status = plan.status;
    if (!plan.create.empty()) continue;  // observe the new attempts (e.g. a failed start) at once
    if (observer) observer(run_.status);
    if (api::IsTerminal(run_.status.phase)) {
      for (auto& [key, attempt] : attempts_) {
        if (attempt.observed.state == State::kRunning)
          Stop(std::get<0>(key), std::get<1>(key), std::get<2>(key));
      }
      if (!AnyLive()) break;
    }
    std::this_thread::sleep_for(options_.poll);
  }
  return run_.status;
}

}  // namespace seed::local
