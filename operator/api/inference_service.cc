#include "api/inference_service.h"

#include <arpa/inet.h>

#include <algorithm>
#include <regex>
#include <set>

#include "api/field_reader.h"

namespace seed::api {

using nlohmann::json;

namespace {

// DNS-1035 label: Service names must also start with a letter.
bool IsDns1035Label(const std::string& value, size_t max_length = 63) {
  return IsDnsLabel(value, max_length) && value[0] >= 'a' && value[0] <= 'z';
}

bool IsIpAddress(const std::string& value) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, value.c_str(), buffer) == 1 || inet_pton(AF_INET6, value.c_str(), buffer) == 1;
}

constexpr const char* kDownwardEnv[] = {"K8S_NODE_NAME", "K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_IP",
                                        "K8S_HOST_IP"};

ModelRef ParseModel(const json& value, const std::string& path, ValidationErrors* errors) {
  ModelRef model;
  FieldReader reader(value, path, errors);
  model.name = reader.String("name", true).value_or("");
  if (!model.name.empty() && !IsDnsLabel(model.name)) {
    reader.Error("name", "\"" + model.name + "\" is not a valid model name: use lower-case letters, digits and '-', "
                         "starting and ending with a letter or digit (it is part of the child names and URL paths)");
  }
  model.version = reader.String("version", true).value_or("");
  static const std::regex kVersion("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
  if (!model.version.empty()) {
    if (!std::regex_match(model.version, kVersion)) {
      reader.Error("version", "\"" + model.version + "\" is not a valid version: use letters, digits, '.', '_' and '-', "
                              "at most 63 characters, e.g. v2.1");
    } else if (std::none_of(model.version.begin(), model.version.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      reader.Error("version", "\"" + model.version + "\" has no digits: the child names use the version's digits "
                              "(v2.1 -> 21), so give a version such as v1 or 2023.11.05");
    }
  }
  model.uri = reader.String("uri", true).value_or("");
  if (!model.uri.empty()) {
    static const std::regex kPvc("pvc://([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(/.*)?");
    std::smatch match;
    if (model.uri.rfind("pvc://", 0) == 0) {
      if (!std::regex_match(model.uri, match, kPvc)) {
        reader.Error("uri", "\"" + model.uri + "\" is not a valid pvc:// URI: use pvc://CLAIM/PATH with a claim name "
                            "in lower case");
      }
    } else if (model.uri.rfind("file:///", 0) != 0 && !model.remote()) {
      reader.Error("uri", "\"" + model.uri +
                              "\" is not supported: use pvc://CLAIM/PATH, file:///PATH, s3://BUCKET/KEY or "
                              "https://HOST/PATH");
    } else if (model.uri.rfind("s3://", 0) == 0 && model.uri.find('/', 5) == std::string::npos) {
      reader.Error("uri", "\"" + model.uri + "\" names no object: use s3://BUCKET/KEY");
    }
  }
  model.watch = reader.Bool("watch").value_or(false);
  model.sha256 = reader.String("sha256").value_or("");
  static const std::regex kSha256("[0-9a-f]{64}");
  if (!model.sha256.empty() && !std::regex_match(model.sha256, kSha256)) {
    reader.Error("sha256",
                 "must be 64 lower-case hex digits (sha256sum's output), got \"" + model.sha256 + "\"");
  }
  if (const json* secret = reader.Object("secretRef")) {
    FieldReader secret_reader(*secret, reader.PathOf("secretRef"), errors);
    model.secret_name = secret_reader.String("name", true).value_or("");
    secret_reader.Finish();
  }
  if (model.watch && model.remote()) {
    reader.Error("watch",
                 "follows a file the server can see: use a pvc:// or file:// model (a remote one is "
                 "downloaded once, when the pod starts)");
  }
  if (model.watch && !model.sha256.empty()) {
    reader.Error("sha256", "pins one artifact, and watch follows a changing one: use one of them");
  }
  if (!model.secret_name.empty() && model.uri.rfind("s3://", 0) != 0) {
    reader.Error("secretRef", "holds S3 credentials: it applies to s3:// models only");
  }
  reader.Finish();
  return model;
}

ReplicaRange ParseReplicas(const json& value, const std::string& path, ValidationErrors* errors) {
  ReplicaRange replicas;
  FieldReader reader(value, path, errors);
  replicas.min = reader.Integer("min").value_or(1);
  replicas.max = reader.Integer("max").value_or(std::max<int64_t>(replicas.min, 1));
  if (replicas.min < 1) reader.Error("min", "must be at least 1 (scale to zero is not supported)");
  if (replicas.max > 1000) reader.Error("max", "must be at most 1000");
  if (replicas.max < replicas.min) {
    reader.Error("max", "must be at least min (" + std::to_string(replicas.min) + "); set min == max for a fixed "
                        "number of replicas without an autoscaler");
  }
  reader.Finish();
  return replicas;
}

void ParseAutoscaling(const json& value, const std::string& path, InferenceServiceSpec* spec, ValidationErrors* errors) {
  FieldReader reader(value, path, errors);
  if (const json* metrics = reader.Array("metrics")) {
    std::set<std::string> seen;
    for (size_t i = 0; i < metrics->size(); ++i) {
      FieldReader item((*metrics)[i], IndexPath(reader.PathOf("metrics"), i), errors);
      AutoscalingMetric metric;
      std::string type = item.String("type", true).value_or("");
      if (type == "cpu") metric.type = MetricType::kCpu;
      else if (type == "memory") metric.type = MetricType::kMemory;
      else if (type == "gpu") metric.type = MetricType::kGpu;
      else if (!type.empty()) item.Error("type", "\"" + type + "\" is not a metric type: use cpu, memory or gpu");
      if (!type.empty() && !seen.insert(type).second) item.Error("type", "metric " + type + " is given twice");
      metric.target_utilization = item.Integer("targetUtilization", true).value_or(0);
      if (item.Has("targetUtilization") && (metric.target_utilization < 1 || metric.target_utilization > 100)) {
        item.Error("targetUtilization", "must be a percentage from 1 to 100");
      }
      metric.metric_name = item.String("metricName").value_or("");
      if (metric.type != MetricType::kGpu && !metric.metric_name.empty()) {
        item.Error("metricName", "applies only to the gpu metric");
      }
      if (metric.type == MetricType::kGpu && metric.metric_name.empty()) metric.metric_name = kDefaultGpuMetric;
      item.Finish();
      spec->metrics.push_back(metric);
    }
  }
  if (const json* behavior = reader.Object("behavior")) spec->behavior = *behavior;
  reader.Finish();
}

std::optional<TrafficTarget> ParseTarget(const json& value, const std::string& path, int64_t default_percent,
                                         ValidationErrors* errors) {
  FieldReader reader(value, path, errors);
  TrafficTarget target;
  target.service = reader.String("service", true).value_or("");
  if (!target.service.empty() && !IsDns1035Label(target.service)) {
    reader.Error("service", "\"" + target.service + "\" is not a Service name");
  }
  const bool required = default_percent < 0;
  target.percent = reader.Integer("percent", required).value_or(required ? 0 : default_percent);
  if (target.percent < 0 || target.percent > 100) reader.Error("percent", "must be from 0 to 100");
  reader.Finish();
  return target;
}

Traffic ParseTraffic(const json& value, const std::string& path, ValidationErrors* errors) {
  Traffic traffic;
  FieldReader reader(value, path, errors);
  if (const json* split = reader.Array("split")) {
    int64_t sum = 0;
    std::set<std::string> services;
    for (size_t i = 0; i < split->size(); ++i) {
      std::string item_path = IndexPath(reader.PathOf("split"), i);
      auto target = ParseTarget((*split)[i], item_path, -1, errors);
      if (!target->service.empty() && !services.insert(target->service).second) {
        errors->push_back({item_path + ".service", "service " + target->service + " is listed twice"});
      }
      sum += target->percent;
      traffic.split.push_back(*target);
    }
    if (sum > 100) {
      reader.Error("split", "percents add up to " + std::to_string(sum) +
                                "; they must add up to at most 100 (this service gets the rest)");
    }
    if (split->size() > 15) reader.Error("split", "at most 15 services (an HTTPRoute rule holds 16 backends)");
  }
  if (const json* mirror = reader.Object("mirror")) traffic.mirror = ParseTarget(*mirror, reader.PathOf("mirror"), 100, errors);
  reader.Finish();
  return traffic;
}

Expose ParseExpose(const json& value, const std::string& path, ValidationErrors* errors) {
  Expose expose;
  FieldReader reader(value, path, errors);
  expose.type = reader.String("type").value_or("NodePort");
  if (expose.type != "NodePort" && expose.type != "LoadBalancer") {
    reader.Error("type", "\"" + expose.type + "\" is not allowed: use NodePort or LoadBalancer");
  }
  expose.external_ips = reader.StringList("externalIPs");
  for (size_t i = 0; i < expose.external_ips.size(); ++i) {
    if (!IsIpAddress(expose.external_ips[i])) {
      errors->push_back({IndexPath(reader.PathOf("externalIPs"), i),
                         "\"" + expose.external_ips[i] + "\" is not an IPv4 or IPv6 address"});
    }
  }
  reader.Finish();
  return expose;
}

Rollout ParseRollout(const json& value, const std::string& path, ValidationErrors* errors) {
  Rollout rollout;
  FieldReader reader(value, path, errors);
  const int64_t canary = reader.Integer("canaryPercent").value_or(10);
  if (canary < 1 || canary > 99)
    reader.Error("canaryPercent", "must be from 1 to 99 (the new version's first share)");
  if (const json* steps = reader.Array("steps")) {
    for (size_t i = 0; i < steps->size(); ++i) {
      const json& step = (*steps)[i];
      const std::string step_path = IndexPath(reader.PathOf("steps"), i);
      if (!step.is_number_integer()) {
        errors->push_back({step_path, "must be an integer percent from 1 to 100"});
        continue;
      }
      const int64_t percent = step.get<int64_t>();
      if (percent < 1 || percent > 100) {
        errors->push_back({step_path, "must be from 1 to 100"});
      } else if (!rollout.steps.empty() && percent <= rollout.steps.back()) {
        errors->push_back({step_path, "steps must increase: " + std::to_string(percent) + " follows " +
                                          std::to_string(rollout.steps.back())});
      }
      rollout.steps.push_back(percent);
    }
    if (steps->empty()) reader.Error("steps", "give at least one step, e.g. [10, 50, 100]");
  } else {
    rollout.steps = {canary};
  }
  // The last step always hands the new version all traffic.
  if (rollout.steps.empty() || rollout.steps.back() != 100) rollout.steps.push_back(100);
  rollout.interval_seconds = reader.Integer("intervalSeconds").value_or(300);
  if (rollout.interval_seconds < 0 || rollout.interval_seconds > 86400) {
    reader.Error("intervalSeconds", "must be from 0 to 86400 (seconds at each step)");
  }
  if (auto ratio = reader.Number("maxErrorRatio")) rollout.max_error_ratio = *ratio;
  if (rollout.max_error_ratio < 0 || rollout.max_error_ratio > 1) {
    reader.Error("maxErrorRatio", "must be from 0 to 1 (failed requests / requests of the new version)");
  }
  reader.Finish();
  return rollout;
}

Stream ParseStream(const json& value, const std::string& path, ValidationErrors* errors) {
  Stream stream;
  FieldReader reader(value, path, errors);
  stream.broker = reader.String("broker", true).value_or("");
  static const std::regex kBroker("mqtts?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?");
  if (!stream.broker.empty() && !std::regex_match(stream.broker, kBroker)) {
    reader.Error("broker", "\"" + stream.broker +
                               "\" is not a broker URL: use mqtt://HOST[:PORT] or mqtts://HOST[:PORT] "
                               "(TLS), e.g. mqtts://broker.plant.local:8883");
  }
  stream.input_topic = reader.String("inputTopic", true).value_or("");
  stream.output_topic = reader.String("outputTopic", true).value_or("");
  if (stream.output_topic.find_first_of("+#") != std::string::npos) {
    reader.Error("outputTopic",
                 "\"" + stream.output_topic + "\" has a wildcard (+ or #): predictions go to one topic");
  }
  if (!stream.output_topic.empty() && stream.output_topic == stream.input_topic) {
    reader.Error("outputTopic", "is the input topic: the runner would read its own predictions back");
  }
  if (const json* secret = reader.Object("secretRef")) {
    FieldReader ref(*secret, reader.PathOf("secretRef"), errors);
    stream.secret_name = ref.String("name", true).value_or("");
    if (!stream.secret_name.empty() && !IsDnsSubdomain(stream.secret_name)) {
      ref.Error("name", "\"" + stream.secret_name + "\" is not a Secret name");
    }
    ref.Finish();
  }
  reader.Finish();
  return stream;
}

void CheckEnv(const json& env, const std::string& path, ValidationErrors* errors) {
  for (size_t i = 0; i < env.size(); ++i) {
    const json& item = env[i];
    std::string item_path = IndexPath(path, i);
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) {
      errors->push_back({item_path, "must be an object with a name and a value, e.g. {name: LOG_LEVEL, value: info}"});
      continue;
    }
    std::string name = item["name"].get<std::string>();
    if (IsReservedServingEnvName(name)) {
      errors->push_back({item_path + ".name", name + " is set by Seed on every model server; names starting with "
                                                     "SEED_ and the K8S_ downward API names are reserved"});
    }
    if (item.contains("value") && !item["value"].is_string()) {
      errors->push_back({item_path + ".value", "must be a string; quote numbers and booleans"});
    }
  }
}

}  // namespace

const char* MetricTypeName(MetricType type) {
  switch (type) {
    case MetricType::kCpu: return "cpu";
    case MetricType::kMemory: return "memory";
    case MetricType::kGpu: return "gpu";
  }
  return "cpu";
}

bool IsReservedServingEnvName(const std::string& name) {
  return IsReservedEnvName(name) || std::find(std::begin(kDownwardEnv), std::end(kDownwardEnv), name) != std::end(kDownwardEnv);
}

InferenceServiceSpec ParseInferenceServiceSpec(const json& value, const std::string& path, ValidationErrors* errors) {
  InferenceServiceSpec spec;
  FieldReader reader(value, path, errors);
  spec.service_type = reader.String("serviceType").value_or(kDefaultServiceType);
  if (!IsDns1035Label(spec.service_type, 20)) {
    reader.Error("serviceType", "\"" + spec.service_type + "\" is not allowed: use at most 20 lower-case letters, digits "
                                "and '-', starting with a letter (it begins every child name)");
  }
  if (const json* model = reader.Object("model", true)) spec.model = ParseModel(*model, reader.PathOf("model"), errors);
  spec.image = reader.String("image").value_or("");
  spec.image_pull_policy = reader.String("imagePullPolicy").value_or("");
  if (!spec.image_pull_policy.empty() && spec.image_pull_policy != "Always" &&
      spec.image_pull_policy != "IfNotPresent" && spec.image_pull_policy != "Never") {
    reader.Error("imagePullPolicy", "\"" + spec.image_pull_policy + "\" is not allowed: use Always, IfNotPresent or Never");
  }
  spec.command = reader.StringList("command");
  spec.args = reader.StringList("args");
  if (spec.model.watch && (!spec.command.empty() || !spec.args.empty())) {
    errors->push_back(
        {JoinPath(path, "model.watch"),
         "applies to the built-in seed-job server only; with your own command or args, give your "
         "server its own reload flag"});
  }
  if (const json* env = reader.Array("env")) {
    spec.env = *env;
    CheckEnv(*env, reader.PathOf("env"), errors);
  }
  if (const json* resources = reader.Object("resources")) {
    spec.resources = ParseTaskResources(*resources, reader.PathOf("resources"), errors);
  }
  spec.port = reader.Integer("port").value_or(kDefaultServingPort);
  if (spec.port < 1 || spec.port > 65535) reader.Error("port", "must be from 1 to 65535");
  if (const json* replicas = reader.Object("replicas")) spec.replicas = ParseReplicas(*replicas, reader.PathOf("replicas"), errors);
  if (const json* autoscaling = reader.Object("autoscaling")) {
    ParseAutoscaling(*autoscaling, reader.PathOf("autoscaling"), &spec, errors);
  }
  for (const auto& metric : spec.metrics) {
    if (metric.type == MetricType::kGpu && spec.resources.gpu < 1) {
      errors->push_back({JoinPath(path, "autoscaling.metrics"),
                         "the gpu metric needs resources.gpu of at least 1: a pod without a GPU reports no GPU "
                         "utilisation"});
    }
  }
  if (spec.replicas.autoscaled() && spec.metrics.empty()) {
    spec.metrics.push_back({MetricType::kCpu, kDefaultCpuUtilization, ""});
  }
  for (const auto& metric : spec.metrics) {
    if (!spec.replicas.autoscaled() || metric.type == MetricType::kGpu) continue;
    const char* resource = MetricTypeName(metric.type);
    if (!spec.resources.requests.contains(resource)) {
      errors->push_back({JoinPath(path, "resources.requests." + std::string(resource)),
                         std::string("is required to autoscale on ") + resource + ": utilization is a percentage of the "
                         "request (replicas.min < replicas.max autoscales on cpu 80% unless autoscaling.metrics says "
                         "otherwise)"});
    }
  }
  spec.host = reader.String("host").value_or("");
  if (!spec.host.empty() && !IsDnsSubdomain(spec.host)) {
    reader.Error("host", "\"" + spec.host + "\" is not a host name: use lower-case DNS labels joined by '.'");
  }
  if (const json* traffic = reader.Object("traffic")) {
    spec.traffic = ParseTraffic(*traffic, reader.PathOf("traffic"), errors);
    if (!spec.traffic.empty() && spec.host.empty()) {
      reader.Error("traffic", "needs host: the split and the mirror are applied by the HTTPRoute for that host");
    }
  }
  if (const json* expose = reader.Object("expose")) spec.expose = ParseExpose(*expose, reader.PathOf("expose"), errors);
  if (const json* stream = reader.Object("stream")) {
    spec.stream = ParseStream(*stream, reader.PathOf("stream"), errors);
    // The stream runner speaks MQTT, not HTTP: nothing that routes, exposes or scales on requests.
    for (const char* http : {"host", "traffic", "expose", "rollout", "port"}) {
      if (value.is_object() && value.contains(http)) {
        errors->push_back(
            {JoinPath(path, http), std::string("does not apply with stream: the runner reads MQTT "
                                               "messages and serves no HTTP requests")});
      }
    }
    if (spec.replicas.autoscaled()) {
      errors->push_back(
          {JoinPath(path, "replicas"),
           "stream mode runs a fixed number of replicas (min == max): each replica subscribes on its "
           "own, so for more than one use a shared subscription ($share/GROUP/TOPIC) as inputTopic"});
    }
    if (spec.model.watch) {
      errors->push_back(
          {JoinPath(path, "model.watch"), "applies to the HTTP model server, not to stream mode"});
    }
  }
  if (const json* rollout = reader.Object("rollout")) {
    spec.rollout = ParseRollout(*rollout, reader.PathOf("rollout"), errors);
    if (spec.traffic.split.size() > 14) {
      errors->push_back(
          {JoinPath(path, "traffic.split"),
           "at most 14 services with rollout: during a canary both versions are backends of the "
           "HTTPRoute rule, which holds 16"});
    }
    if (spec.host.empty()) {
      reader.Error("rollout",
                   "needs host: the canary shifts the HTTPRoute's weights for that host (without "
                   "host a version change switches the Service once the new version is Available)");
    }
  }
  if (const json* selector = reader.Object("nodeSelector")) spec.node_selector = *selector;
  if (const json* tolerations = reader.Array("tolerations")) spec.tolerations = *tolerations;
  spec.service_account_name = reader.String("serviceAccountName").value_or("");
  reader.Finish();
  return spec;
}

InferenceService ParseInferenceService(const json& object, ValidationErrors* errors) {
  InferenceService result;
  const json* spec = ParseObjectHead(object, "InferenceService", 63, &result.metadata, errors);
  if (!spec) return result;
  result.spec = ParseInferenceServiceSpec(*spec, "spec", errors);
  return result;
}

json InferenceServiceStatusToJson(const InferenceServiceStatus& status) {
  json out = {{"replicas", status.replicas}, {"readyReplicas", status.ready_replicas}};
  if (!status.url.empty()) out["url"] = status.url;
  if (!status.serving_version.empty()) out["servingVersion"] = status.serving_version;
  if (!status.traffic.empty()) {
    json traffic = json::array();
    for (const auto& item : status.traffic) {
      traffic.push_back({{"version", item.version},
                         {"deployment", item.deployment},
                         {"percent", item.percent},
                         {"readyReplicas", item.ready_replicas}});
    }
    out["traffic"] = traffic;
  }
  if (!status.rollout.empty()) {
    const RolloutStatus& r = status.rollout;
    json rollout = {{"toVersion", r.to_version}, {"phase", r.phase}, {"generation", r.generation}};
    if (!r.from_version.empty()) rollout["fromVersion"] = r.from_version;
    if (r.step >= 0) rollout["step"] = r.step;
    if (r.step_started) rollout["stepStartTime"] = FormatRfc3339(*r.step_started);
    if (!r.message.empty()) rollout["message"] = r.message;
    out["rollout"] = rollout;
  }
  if (status.observed_generation) out["observedGeneration"] = status.observed_generation;
  json conditions = json::array();
  for (const auto& condition : status.conditions) conditions.push_back(ConditionToJson(condition));
  out["conditions"] = conditions;
  return out;
}

InferenceServiceStatus InferenceServiceStatusFromJson(const json& value) {
  InferenceServiceStatus status;
  if (!value.is_object()) return status;
  status.url = value.value("url", "");
  status.serving_version = value.value("servingVersion", "");
  if (value.contains("traffic") && value["traffic"].is_array()) {
    for (const auto& item : value["traffic"]) {
      if (!item.is_object()) continue;
      status.traffic.push_back({item.value("version", ""), item.value("deployment", ""),
                                item.value("percent", int64_t{0}), item.value("readyReplicas", int64_t{0})});
    }
  }
  if (value.contains("rollout") && value["rollout"].is_object()) {
    const json& r = value["rollout"];
    status.rollout.from_version = r.value("fromVersion", "");
    status.rollout.to_version = r.value("toVersion", "");
    status.rollout.phase = r.value("phase", "");
    status.rollout.step = r.value("step", int64_t{-1});
    status.rollout.generation = r.value("generation", int64_t{0});
    status.rollout.step_started = TimeField(r, "stepStartTime");
    status.rollout.message = r.value("message", "");
  }
  status.replicas = value.value("replicas", int64_t{0});
  status.ready_replicas = value.value("readyReplicas", int64_t{0});
  status.observed_generation = value.value("observedGeneration", int64_t{0});
  if (value.contains("conditions") && value["conditions"].is_array()) {
    for (const auto& condition : value["conditions"]) status.conditions.push_back(ConditionFromJson(condition));
  }
  return status;
}

}  // namespace seed::api
