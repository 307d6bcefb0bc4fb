// seed: run, validate and render Seed pipelines without a cluster.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "seed: run Seed pipelines locally, validate Seed YAML, and print the Kubernetes objects the operator "
      "would create"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "seed 0.1.0");

  seed::cli::RunFlags run;
  auto* run_cmd =
      app.add_subcommand("run", "Run a Pipeline locally: tasks as processes, a directory as workspace");
  run_cmd->add_option("paths", run.paths, "YAML files or directories (every *.yaml and *.yml in them)");
  run_cmd->add_option(
      "--resume", run.resume,
      "Directory of a failed run (<workspace>/<run>): run again only what failed or never ran, "
      "reusing the rest (no YAML needed: the run kept its snapshot)");
  run_cmd->add_option("--set", run.sets, "Pipeline param NAME=VALUE (repeatable)");
  run_cmd->add_option("--workspace", run.workspace, "Workspace directory (artifacts, logs, results)")
      ->capture_default_str();
  run_cmd->add_option("--pipeline", run.pipeline, "Pipeline to run when the files hold several");
  run_cmd->add_option("--run-name", run.run_name, "Run name (default: <pipeline>-<scheduled unix minutes>)");
  run_cmd->add_option("--scheduled-time", run.scheduled_time,
                      "RFC 3339 scheduled time of the run (default: now)");
  run_cmd
      ->add_option("--retry-backoff", run.retry_backoff,
                   "First retry delay in seconds, doubling, capped at 36x")
      ->capture_default_str();
  run_cmd->add_option("--grace", run.grace, "Seconds from SIGTERM to SIGKILL when stopping a task")
      ->capture_default_str();
  run_cmd->add_flag("--plain", run.plain, "One line per change instead of a table redrawn in place");
  run_cmd->add_option("--patch", run.patches,
                      "File with a merge patch of the Pipeline ({spec: {...}}), applied before the run, as "
                      "kubectl patch --type merge --patch-file (repeatable)");
  run_cmd->add_option(
      "--s3-credentials", run.s3_credentials,
      "Directory with the files accessKey and secretKey for the Pipeline's artifact repository "
      "(default: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment)");
  run_cmd->add_flag("--local-artifacts", run.local_artifacts,
                    "Keep artifacts in --workspace even when the Pipeline names an artifact repository");

  std::vector<std::string> validate_paths;
  auto* validate_cmd =
      app.add_subcommand("validate", "Check Seed YAML with the operator's rules; exit 2 on any error");
  validate_cmd->add_option("paths", validate_paths, "YAML files or directories")->required();

  seed::cli::RenderFlags render;
  auto* render_cmd =
      app.add_subcommand("render",
                         "Print the objects the operator would create: a run's PVC and Pods, and each "
                         "InferenceService's Deployment, Services, HPA and HTTPRoute");
  render_cmd->add_option("paths", render.paths, "YAML files or directories")->required();
  render_cmd->add_option("--set", render.sets, "Pipeline param NAME=VALUE (repeatable)");
  render_cmd->add_option("--pipeline", render.pipeline, "Pipeline to render when the files hold several");
  render_cmd->add_option("--run-name", render.run_name,
                         "Run name (default: <pipeline>-<scheduled unix minutes>)");
  render_cmd->add_option("--namespace", render.namespace_, "Namespace of the run")->capture_default_str();
  render_cmd->add_option("--scheduled-time", render.scheduled_time, "RFC 3339 scheduled time (default: now)");
  render_cmd->add_option("--job-image", render.job_image, "Default job image")->capture_default_str();
  render_cmd->add_option("--inference-service", render.inference_service,
                         "Only this InferenceService (default: every one in the files)");
  render_cmd->add_flag("!--no-gateway-api", render.gateway_api,
                       "Render as for a cluster without the Gateway API (no HTTPRoute)");
  render_cmd->add_option("--gateway-parent-ref", render.gateway_parent_refs,
                         "Gateway the HTTPRoutes attach to: [NAMESPACE/]NAME[/SECTION] (repeatable), as "
                         "seed-operator's flag");
  render_cmd->add_option("--patch", render.patches,
                         "File with a merge patch of the Pipeline ({spec: {...}}), as seed run --patch");

  seed::cli::LogsFlags logs;
  auto* logs_cmd = app.add_subcommand(
      "logs",
      "Print a run's task logs: from the live pods through the Kubernetes API, else from the log "
      "archive in the run's artifact repository");
  logs_cmd->add_option("run", logs.run, "PipelineRun name")->required();
  logs_cmd->add_option("task", logs.task, "Only this task (default: every task)");
  logs_cmd->add_option("-n,--namespace", logs.namespace_, "Namespace of the run")->capture_default_str();
  logs_cmd->add_option("--kubeconfig", logs.kubeconfig,
                       "kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config)");
  logs_cmd->add_option("--context", logs.context, "kubeconfig context");
  logs_cmd->add_option("--pipeline", logs.pipeline,
                       "When the run is deleted: the Pipeline whose artifactRepository holds its logs");
  logs_cmd->add_option(
      "--repository", logs.repository_file,
      "When the run is deleted: a YAML file {s3: {...}} naming the repository (the operator's default)");
  logs_cmd->add_option("--s3-credentials", logs.s3_credentials,
                       "Directory with the files accessKey and secretKey (default: AWS_ACCESS_KEY_ID and "
                       "AWS_SECRET_ACCESS_KEY or SEED_S3_CREDENTIALS_DIR)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*run_cmd) return seed::cli::RunCommand(run);
    if (*validate_cmd) return seed::cli::ValidateCommand(validate_paths);
    if (*render_cmd) return seed::cli::RenderCommand(render);
    if (*logs_cmd) return seed::cli::LogsCommand(logs);
  } catch (const std::exception& error) {
    std::cerr << "seed: " << error.what() << "\n";
    return 2;
  }
  return 0;
}
