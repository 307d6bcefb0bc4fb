#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

constexpr char kRunRecord[] = "run.json";

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

// The repository's settings for every task's environment, and where artifacts go. The Secret of
// the repository lives in a cluster; locally the keys come from --s3-credentials or the environment.
bool ArtifactRepositoryEnv(const api::S3ArtifactRepository& s3, const std::string& credentials_dir,
                           local::LocalOptions* options) {
  options->artifact_root = api::ArtifactRoot(s3);
  options->env["SEED_S3_ENDPOINT"] = s3.endpoint;
  options->env["AWS_REGION"] = s3.region.empty() ? "us-east-1" : s3.region;
  options->env["SEED_S3_INSECURE"] = s3.insecure ? "true" : "false";
  if (!credentials_dir.empty()) {
    std::error_code error;
    for (const char* key : {"accessKey", "secretKey"}) {
      if (!fs::is_regular_file(fs::path(credentials_dir) / key, error)) {
        std::cerr << "--s3-credentials " << credentials_dir << ": no file " << key
                  << " there; the directory holds one file per key, accessKey and secretKey (the shape of "
                     "the repository's Secret mounted as a volume)\n";
        return false;
      }
    }
    options->env["SEED_S3_CREDENTIALS_DIR"] = fs::absolute(credentials_dir).lexically_normal().string();
    return true;
  }
  const char* access = std::getenv("AWS_ACCESS_KEY_ID");
  const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
  const char* dir = std::getenv("SEED_S3_CREDENTIALS_DIR");
  if ((access && *access && secret && *secret) || (dir && *dir)) return true;
  std::cerr << "seed run: the Pipeline's artifactRepository (" << options->artifact_root << " at "
            << s3.endpoint
            << ") needs credentials: give --s3-credentials DIR (files accessKey and secretKey), or set "
               "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; or keep the artifacts local with "
               "--local-artifacts\n";
  return false;
}

}  // namespace

// The run a failed local run left in <dir>/run.json, ready to resume: its name, spec and snapshot,
// and the status ResumeStatus makes of it. Prints what is wrong and returns nullopt otherwise.
std::optional<PreparedRun> PrepareResume(const std::string& dir) {
  std::string file = (fs::path(dir) / kRunRecord).string();
  std::ifstream in(file);
  if (!in) {
    std::cerr << "--resume " << dir << ": no " << kRunRecord
              << " there; give the directory of a run that seed run finished (<workspace>/<run>)\n";
    return std::nullopt;
  }
  nlohmann::json object = nlohmann::json::parse(in, nullptr, false);
  api::ValidationErrors errors;
  PreparedRun prepared;
  if (object.is_object()) prepared.run = api::ParsePipelineRun(object, &errors);
  if (!object.is_object() || !errors.empty() || prepared.run.status.pipeline_spec.is_null()) {
    std::cerr << file << ": not a run record written by seed run"
              << (errors.empty() ? "" : ": " + api::FormatError(errors.front())) << "\n";
    return std::nullopt;
  }
  if (prepared.run.status.phase != api::RunPhase::kFailed &&
      prepared.run.status.phase != api::RunPhase::kCancelled) {
    std::cerr << "--resume " << dir << ": run " << prepared.run.metadata.name << " is "
              << api::RunPhaseName(prepared.run.status.phase)
              << "; only a Failed or Cancelled run is resumed\n";
    return std::nullopt;
  }
  prepared.snapshot = engine::ParseSnapshot(prepared.run.status.pipeline_spec, &prepared.errors);
  if (!prepared.errors.empty()) {
    for (const auto& problem : prepared.errors)
      std::cerr << file << ": " << api::FormatError(problem) << "\n";
    return std::nullopt;
  }
  prepared.run.spec.cancel = false;
  prepared.run.status = engine::ResumeStatus(prepared.run.status);
  return prepared;
}

int RunCommand(const RunFlags& flags) {
  std::optional<PreparedRun> prepared;
  RunFlags settings = flags;
  if (!flags.resume.empty()) {
    if (!flags.paths.empty() || !flags.sets.empty() || !flags.pipeline.empty() || !flags.run_name.empty() ||
        !flags.patches.empty() || flags.local_artifacts) {
      std::cerr << "--resume takes no YAML, --set, --pipeline, --run-name, --patch or --local-artifacts: the "
                   "run kept its own\n";
      return 2;
    }
    prepared = PrepareResume(flags.resume);
    if (!prepared) return 2;
    // The workspace is the one the run used, so its artifacts are where the planner looks.
    settings.workspace = fs::absolute(flags.resume).lexically_normal().parent_path().string();
  } else {
    if (flags.paths.empty()) {
      std::cerr << "seed run: give YAML files or directories, or --resume <workspace>/<run>\n";
      return 2;
    }
    auto set = LoadValid(flags.paths);
    if (!set) return 2;
    prepared = PrepareRun(*set, flags.pipeline, flags.sets, flags.run_name, flags.scheduled_time, "default",
                          flags.patches);
    if (!prepared) return 2;
  }
  const RunFlags& f = settings;
  if (!(flags.retry_backoff > 0) || flags.retry_backoff > 360) {
    std::cerr << "--retry-backoff: use seconds between 0.001 and 360\n";
    return 2;
  }
  local::LocalOptions options;
  std::error_code error;
  fs::create_directories(f.workspace, error);
  if (error) {
    std::cerr << "--workspace " << f.workspace << ": " << error.message() << "\n";
    return 2;
  }
  options.workspace = fs::absolute(f.workspace).lexically_normal().string();
  if (!options.workspace.empty() && options.workspace.back() == '/') options.workspace.pop_back();
  options.seed_job_binary = FindSeedJob();
  if (flags.local_artifacts && prepared->snapshot.pipeline.artifact_repository) {
    // The run record keeps the snapshot as run, so a resumed run stays local too.
    prepared->snapshot.pipeline.artifact_repository.reset();
    prepared->snapshot.raw["pipeline"].erase("artifactRepository");
  }
  if (const auto& repository = prepared->snapshot.pipeline.artifact_repository;
      repository && repository->s3) {
    if (!ArtifactRepositoryEnv(*repository->s3, flags.s3_credentials, &options)) return 2;
  }
  auto base = std::chrono::seconds(std::max<long long>(1, std::llround(flags.retry_backoff)));
  options.backoff = {base, base * 36};  // same ratio as the cluster (10 s -> 6 min)
  options.grace = std::chrono::seconds(flags.grace);

  std::vector<std::string> order = engine::TopologicalOrder(prepared->snapshot.pipeline);
  bool tty = !flags.plain && ::isatty(STDOUT_FILENO);
  std::cout << "run " << prepared->run.metadata.name << " of pipeline " << prepared->run.spec.pipeline_ref
            << " (workspace " << options.workspace << "/" << prepared->run.metadata.name
            << (options.artifact_root.empty() ? "" : ", artifacts in " + options.artifact_root) << ")\n";
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
        const bool remote = !options.artifact_root.empty();
        std::string path = engine::ArtifactPath(remote ? options.artifact_root : options.workspace,
                                                prepared->run.metadata.name, name, output.FileName());
        // A bucket's objects are listed as the planner named them (the task succeeded, so it wrote them).
        if (remote || fs::exists(path)) artifacts.push_back({name, output.name, path});
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
  // The record `seed run --resume` starts from: the run's name, spec and final status (snapshot included).
  api::PipelineRun record = prepared->run;
  record.status = status;
  nlohmann::json saved = {{"apiVersion", "seed.dev/v1alpha1"},
                          {"kind", "PipelineRun"},
                          {"metadata", {{"name", record.metadata.name}, {"namespace", "default"}}},
                          {"spec", api::PipelineRunSpecToJson(record.spec)},
                          {"status", api::PipelineRunStatusToJson(record.status)}};
  std::ofstream(fs::path(options.workspace) / record.metadata.name / kRunRecord) << saved.dump(2) << "\n";
  if (status.phase != api::RunPhase::kSucceeded)
    std::cout << "resume with: seed run --resume "
              << (fs::path(options.workspace) / record.metadata.name).string() << "\n";
  return status.phase == api::RunPhase::kSucceeded ? 0 : 1;
}

}  // namespace seed::cli
