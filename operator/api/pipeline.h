#pragma once
// Pipeline: a DAG of tasks built from JobTemplates, optionally on a cron schedule.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/artifact_repository.h"
#include "api/depends_expression.h"
#include "api/object_meta.h"
#include "api/param_spec.h"
#include "api/pod_settings.h"
#include "api/validation.h"

namespace seed::api {

// A pipeline name leaves room for "-<scheduled unix minutes>" within 63 characters.
inline constexpr size_t kMaxPipelineNameLength = 52;
// Items one fanned-out task may have (its status keeps one letter per item).
inline constexpr size_t kMaxItems = 5000;

// A parameter sweep: trials are items of a fan-out whose fields are template params.
struct Sweep {
  enum class Strategy { kGrid, kRandom };
  std::map<std::string, std::vector<nlohmann::json>> params;  // template param -> values to try
  Strategy strategy = Strategy::kGrid;
  std::optional<int64_t> trials;  // random: how many distinct combinations; grid: all when unset
  int64_t seed = 0;
  std::string objective;  // a value output of the template
  bool minimize = true;
};

struct PipelineTask {
  std::string name;
  std::string template_ref;
  std::vector<std::string> depends_on;    // the tasks of dependsOn (plain names and {task, on} entries)
  std::vector<std::string> dependencies;  // depends_on, `depends` and tasks whose outputs are referenced
  std::string depends;                    // Argo-style condition, as written
  // dependsOn entries with `on` and `depends`, joined by &&, with plain entries as bare terms; none
  // when the task has only plain dependsOn names (each must succeed or be skipped).
  std::optional<DependsExpression> condition;
  bool continue_on_failed = false;  // continueOn: failed: dependents run, the run does not fail for it
  bool is_finally = false;          // listed under spec.finally
  std::map<std::string, std::string> params;  // template param -> value (may hold expressions)
  std::string when;                           // empty: always
  std::optional<int64_t> retries;
  std::optional<int64_t> timeout_seconds;
  std::optional<std::vector<int64_t>> retry_on;
  // Fan-out: one pod per item, {{item}} / {{item.field}} in params and when. At most one is set.
  std::optional<nlohmann::json> with_items;  // a literal JSON list (items may be objects)
  std::string with_param;                    // an expression that yields a JSON list at start
  std::optional<Sweep> sweep;                // a sweep fans out over its trials
  bool FansOut() const { return with_items.has_value() || !with_param.empty() || sweep.has_value(); }
};

enum class ConcurrencyPolicy { kAllow, kForbid, kReplace };
enum class CatchupPolicy { kNone, kLatest, kAll };

struct Schedule {
  std::string cron;
  std::string time_zone = "UTC";
  ConcurrencyPolicy concurrency_policy = ConcurrencyPolicy::kAllow;
  std::optional<int64_t> starting_deadline_seconds;
  CatchupPolicy catchup = CatchupPolicy::kLatest;
  int64_t max_catchup_runs = 100;
  bool suspend = false;
};

struct Workspace {
  enum class Kind { kNone, kVolumeClaimTemplate, kPersistentVolumeClaim };
  Kind kind = Kind::kNone;
  nlohmann::json volume_claim_template;  // {metadata?, spec}
  std::string claim_name;
};

struct PodDefaults {
  nlohmann::json node_selector = nlohmann::json::object();
  nlohmann::json tolerations = nlohmann::json::array();
  nlohmann::json volumes = nlohmann::json::array();
  nlohmann::json volume_mounts = nlohmann::json::array();
  nlohmann::json env = nlohmann::json::array();
  PodSettings pod;  // imagePullSecrets, priorityClassName, serviceAccountName, affinity, security contexts
};

struct PipelineSpec {
  std::string description;
  std::vector<ParamSpec> params;
  std::vector<PipelineTask> tasks;  // the main tasks, then the `finally` ones (is_finally)
  std::optional<Schedule> schedule;
  int64_t parallelism = 0;  // 0: no limit
  Workspace workspace;
  // Artifacts in a bucket instead of a workspace volume (never both); see api/artifact_repository.h.
  std::optional<ArtifactRepository> artifact_repository;
  PodDefaults pod_defaults;
  int64_t successful_runs_history_limit = 10;
  int64_t failed_runs_history_limit = 5;

  const PipelineTask* FindTask(const std::string& name) const;
  const ParamSpec* FindParam(const std::string& name) const;
};

struct Pipeline {
  ObjectMeta metadata;
  PipelineSpec spec;
};

struct PipelineStatus {
  int64_t observed_generation = 0;
  std::optional<Seconds> last_schedule_time;
  std::optional<Seconds> next_schedule_time;
  std::optional<Seconds> last_successful_time;
  std::vector<std::string> active_runs;
  std::vector<Condition> conditions;
};

PipelineSpec ParsePipelineSpec(const nlohmann::json& spec, const std::string& path, ValidationErrors* errors);
Pipeline ParsePipeline(const nlohmann::json& object, ValidationErrors* errors);

nlohmann::json PipelineStatusToJson(const PipelineStatus& status);
PipelineStatus PipelineStatusFromJson(const nlohmann::json& status);

const char* ConcurrencyPolicyName(ConcurrencyPolicy policy);
const char* CatchupPolicyName(CatchupPolicy policy);

}  // namespace seed::api
