#pragma once
// What the Seed controllers can be configured with (seed-operator flags).
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/backoff.h"
#include "kube/clock.h"

namespace seed::controllers {

struct SeedControllerOptions {
  std::string job_image = "seed-job:0.1.0";  // image of templates that name none
  std::string workspace_root = "/seed/workspace";
  // The operator-wide artifact repository ({s3: {...}}, --artifact-repository-file); null: none. A
  // run of a Pipeline with neither a workspace nor a repository of its own gets it in its snapshot.
  nlohmann::json default_artifact_repository;
  // Keep each terminated task pod's log in its run's artifact repository (controllers/log_archiver.h);
  // needs RBAC get on secrets and pods/log and patch on pods.
  bool archive_logs = true;
  engine::BackoffPolicy backoff;
  // The clock schedules, timeouts and retries are measured on (its WallNow()). Not owned; the
  // real clock unless a test clock is configured.
  kube::Clock* clock = nullptr;
  // Longest wait before a key is looked at again. With a test clock whose time jumps, a short
  // cap makes the controllers notice the jump.
  std::chrono::milliseconds max_requeue = std::chrono::minutes(5);
  bool record_events = true;
};

}  // namespace seed::controllers
