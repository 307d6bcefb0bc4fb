#pragma once
// InferenceService: a model server (Deployment, Service, optional HPA, external Service and
// HTTPRoute), parsed, defaulted and validated.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/jobtemplate.h"
#include "api/object_meta.h"
#include "api/validation.h"

namespace seed::api {

inline constexpr char kDefaultServiceType[] = "serving";
inline constexpr int64_t kDefaultServingPort = 8080;
inline constexpr char kDefaultGpuMetric[] = "DCGM_FI_DEV_GPU_UTIL";
// CPU target when min < max and no metric is given (KServe's default).
inline constexpr int64_t kDefaultCpuUtilization = 80;

struct ModelRef {
  std::string name;
  std::string version;
  std::string uri;  // pvc://claim/path, file:///path, s3://bucket/key or https://host/path
  // The built-in server follows the artifact at uri and hot-reloads it when its content changes
  // (seed-job serve --watch): a "channel" path a pipeline publishes to.
  bool watch = false;
  std::string sha256;       // lower-case hex; when set, the artifact must hash to it before serving
  std::string secret_name;  // s3:// credentials: a Secret with accessKey, secretKey (and region, endpoint)

  // s3:// and https:// models are downloaded by an init container before the server starts.
  bool remote() const { return uri.rfind("s3://", 0) == 0 || uri.rfind("https://", 0) == 0; }
};

struct ReplicaRange {
  int64_t min = 1;
  int64_t max = 1;
  bool autoscaled() const { return min < max; }
};

enum class MetricType { kCpu, kMemory, kGpu };
const char* MetricTypeName(MetricType type);

struct AutoscalingMetric {
  MetricType type = MetricType::kCpu;
  int64_t target_utilization = 0;  // percent; for gpu the per-pod average of metric_name
  std::string metric_name;         // gpu only: the Pods metric (default DCGM_FI_DEV_GPU_UTIL)
};

struct TrafficTarget {
  std::string service;  // a Service in the same namespace (e.g. another InferenceService's child)
  int64_t percent = 0;
};

struct Traffic {
  std::vector<TrafficTarget> split;
  std::optional<TrafficTarget> mirror;
  bool empty() const { return split.empty() && !mirror; }
};

struct Expose {
  std::string type;  // NodePort | LoadBalancer
  std::vector<std::string> external_ips;
};

// spec.rollout: a canary through the HTTPRoute (needs host and the Gateway API). The new version's
// share of the route steps through `steps` (percent), one step per `interval_seconds`; at 100 the
// stable Services switch to it and the old version is retired. Rolled back when the new version
// stops being ready or its error ratio passes `max_error_ratio`.
struct Rollout {
  std::vector<int64_t> steps;      // ascending, 1..100, last is 100 (defaulted from canaryPercent)
  int64_t interval_seconds = 300;  // time at each step before the next
  double max_error_ratio = 0.05;   // errors / requests of the new version above this: rollback
};

// spec.stream: the edge mode. The model runner reads feature messages from an MQTT topic and
// publishes predictions (seed-job stream); no HTTP, so no Service, HPA or HTTPRoute.
struct Stream {
  std::string broker;        // mqtt://HOST[:PORT] or mqtts://HOST[:PORT]
  std::string input_topic;   // may hold the wildcards + and # (or $share/GROUP/... for shared subscriptions)
  std::string output_topic;  // no wildcards
  std::string secret_name;   // a Secret with the broker credentials, mounted for --credentials-dir; optional
};

struct InferenceServiceSpec {
  std::string service_type = kDefaultServiceType;
  ModelRef model;
  std::string image;              // empty: the operator's default image (seed-job)
  std::string image_pull_policy;  // empty: Kubernetes default
  std::vector<std::string> command;
  std::vector<std::string> args;
  nlohmann::json env = nlohmann::json::array();  // [{name, value | valueFrom}]
  TaskResources resources;
  int64_t port = kDefaultServingPort;
  ReplicaRange replicas;
  std::vector<AutoscalingMetric> metrics;        // defaulted to cpu 80% when autoscaled and empty
  nlohmann::json behavior;                       // HPA spec.behavior, passed through; null when unset
  std::string host;
  Traffic traffic;
  std::optional<Expose> expose;
  std::optional<Rollout> rollout;
  std::optional<Stream> stream;
  nlohmann::json node_selector = nlohmann::json::object();
  nlohmann::json tolerations = nlohmann::json::array();
  std::string service_account_name;
};

struct InferenceService {
  ObjectMeta metadata;
  InferenceServiceSpec spec;
};

// One version's share of the traffic (status.traffic).
struct VersionTraffic {
  std::string version;     // model.version, e.g. v2.1
  std::string deployment;  // its Deployment
  int64_t percent = 0;     // share of this InferenceService's traffic
  int64_t ready_replicas = 0;
};

// status.rollout: the last version change and where it stands.
struct RolloutStatus {
  std::string from_version;             // the version serving when it started (empty on first create)
  std::string to_version;               // spec.model.version
  std::string phase;                    // Progressing | Complete | RolledBack
  int64_t step = -1;                    // index into spec.rollout.steps; -1 before the canary starts
  int64_t generation = 0;               // the metadata.generation it belongs to
  std::optional<Seconds> step_started;  // when the current step (or the switch) happened
  std::string message;
  bool empty() const { return phase.empty(); }
  bool operator==(const RolloutStatus&) const = default;
};

struct InferenceServiceStatus {
  std::string url;
  std::string serving_version;  // the version the stable Services select
  std::vector<VersionTraffic> traffic;
  RolloutStatus rollout;
  int64_t replicas = 0;
  int64_t ready_replicas = 0;
  int64_t observed_generation = 0;
  std::vector<Condition> conditions;
};

// Parses, defaults and validates `spec` alone (path prefix `path`); every error is recorded.
InferenceServiceSpec ParseInferenceServiceSpec(const nlohmann::json& spec, const std::string& path,
                                               ValidationErrors* errors);
// A whole object: apiVersion, kind, metadata and spec.
InferenceService ParseInferenceService(const nlohmann::json& object, ValidationErrors* errors);

nlohmann::json InferenceServiceStatusToJson(const InferenceServiceStatus& status);
InferenceServiceStatus InferenceServiceStatusFromJson(const nlohmann::json& status);

// Env names the operator sets on the model server's container; user env may not use them.
bool IsReservedServingEnvName(const std::string& name);

}  // namespace seed::api
