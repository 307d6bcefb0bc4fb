#pragma once
// The `seed` subcommands. Each returns the process exit code:
// 0 success, 1 the run failed or was cancelled, 2 invalid input.
#include <string>
#include <vector>

namespace seed::cli {

struct RunFlags {
  std::vector<std::string> paths;
  std::vector<std::string> sets;  // k=v
  std::string workspace = "seed-workspace";
  std::string pipeline;
  std::string run_name;
  std::string scheduled_time;  // RFC 3339; default now
  double retry_backoff = 1;    // seconds
  int grace = 10;              // seconds from SIGTERM to SIGKILL
  bool plain = false;          // never redraw in place
  std::string resume;          // <workspace>/<run> of a failed run: run only what failed or never ran
  std::vector<std::string> patches;  // --patch: merge patches of the Pipeline's spec
  std::string s3_credentials;        // directory with accessKey and secretKey for the repository
  bool local_artifacts = false;      // ignore the Pipeline's artifact repository: artifacts in --workspace
};

struct RenderFlags {
  std::vector<std::string> paths;
  std::vector<std::string> sets;
  std::string pipeline;
  std::string run_name;
  std::string namespace_ = "default";
  std::string scheduled_time;
  std::string job_image = "seed-job:0.1.0";
  std::string inference_service;                 // --inference-service: only this one
  bool gateway_api = true;                       // render HTTPRoutes (--no-gateway-api: as without it)
  std::vector<std::string> gateway_parent_refs;  // --gateway-parent-ref
  std::vector<std::string> patches;              // --patch
};

struct LogsFlags {
  std::string run;
  std::string task;  // empty: every task
  std::string namespace_ = "default";
  std::string kubeconfig;  // empty: KUBECONFIG, in-cluster, ~/.kube/config
  std::string context;
  std::string pipeline;         // the run is gone: read the repository from this Pipeline
  std::string repository_file;  // or from this {s3: {...}} file (the operator's default)
  std::string s3_credentials;   // accessKey and secretKey files; default: the AWS_* environment
};

int RunCommand(const RunFlags& flags);
int LogsCommand(const LogsFlags& flags);
int ValidateCommand(const std::vector<std::string>& paths);
int RenderCommand(const RenderFlags& flags);

}  // namespace seed::cli
