#include "render/inference_service.h"

#include <algorithm>

#include "render/labels.h"
#include "render/names.h"
#include "render/task_pod.h"

namespace seed::render {

using nlohmann::json;

namespace {

constexpr int kServicePort = 80;

// Cuts `full` to `max` characters keeping it unique: `<prefix>-<hash8>`.
std::string Shorten(const std::string& full, size_t max) {
  if (full.size() <= max) return full;
  std::string hash = "-" + ShortHash(full);
  std::string prefix = full.substr(0, max - hash.size());
  while (!prefix.empty() && (prefix.back() == '-' || prefix.back() == '.')) prefix.pop_back();
  return prefix + hash;
}

json Labels(const api::InferenceService& isvc, const std::string& child) {
  return {{kManagedByLabel, kManagedBy},
          {kPartOfLabel, kPartOf},
          {"app.kubernetes.io/name", "seed-model-server"},
          {"app.kubernetes.io/instance", child},
          {kInferenceServiceLabel, isvc.metadata.name}};
}

json Selector(const api::InferenceService& isvc, const std::string& child) {
  return {{"app.kubernetes.io/instance", child}, {kInferenceServiceLabel, isvc.metadata.name}};
}

// Metadata of a child; the spec-hash annotation covers the labels and the spec it describes.
json Metadata(const api::InferenceService& isvc, const std::string& name, const json& labels, const json& spec) {
  json metadata = {{"name", name},
                   {"labels", labels},
                   {"annotations", {{kSpecHashAnnotation, LongHash(json{{"labels", labels}, {"spec", spec}}.dump())}}},
                   {"ownerReferences", json::array({ControllerReference("InferenceService", isvc.metadata)})}};
  if (!isvc.metadata.namespace_.empty()) metadata["namespace"] = isvc.metadata.namespace_;
  return metadata;
}

json Object(const char* api_version, const char* kind, json metadata, json spec) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"metadata", std::move(metadata)}, {"spec", std::move(spec)}};
}

// pvc://claim/path -> claim; empty for other URIs.
std::string PvcClaim(const std::string& uri) {
  if (uri.rfind("pvc://", 0) != 0) return "";
  std::string rest = uri.substr(6);
  return rest.substr(0, rest.find('/'));
}

json Env(const api::InferenceServiceSpec& spec) {
  json env = spec.env.is_array() ? spec.env : json::array();
  auto value = [&](const char* name, const std::string& text) { env.push_back({{"name", name}, {"value", text}}); };
  auto field = [&](const char* name, const char* path) {
    env.push_back({{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}});
  };
  value("SEED_MODEL_NAME", spec.model.name);
  value("SEED_MODEL_VERSION", spec.model.version);
  value("SEED_MODEL_PATH", ModelPathInPod(spec.model.uri));
  field("K8S_NODE_NAME", "spec.nodeName");
  field("K8S_POD_NAME", "metadata.name");
  field("K8S_POD_NAMESPACE", "metadata.namespace");
  field("K8S_POD_IP", "status.podIP");
  field("K8S_HOST_IP", "status.hostIP");
  return env;
}

json Resources(const api::InferenceServiceSpec& spec, const InferenceServiceOptions& options) {
  json resources = json::object();
  if (!spec.resources.requests.empty()) resources["requests"] = spec.resources.requests;
  json limits = spec.resources.limits;
  if (spec.resources.gpu > 0) limits[options.gpu_resource] = std::to_string(spec.resources.gpu);
  if (!limits.empty()) resources["limits"] = limits;
  return resources;
}

json Container(const api::InferenceServiceSpec& spec, const InferenceServiceOptions& options) {
  const bool custom = !spec.command.empty() || !spec.args.empty();
  json container = {
      {"name", "server"},
      {"image", spec.image.empty() ? options.default_image : spec.image},
      {"command", spec.command.empty() ? json::array({"seed-job"}) : json(spec.command)},
      {"ports", json::array({{{"name", "http"}, {"containerPort", spec.port}, {"protocol", "TCP"}}})},
      {"env", Env(spec)},
      {"readinessProbe",
       {{"httpGet", {{"path", "/v2/models/" + spec.model.name + "/ready"}, {"port", "http"}}},
        {"periodSeconds", 5},
        {"timeoutSeconds", 2},
        {"failureThreshold", 3}}},
      {"livenessProbe",
       {{"httpGet", {{"path", "/v2/health/live"}, {"port", "http"}}},
        {"periodSeconds", 10},
        {"timeoutSeconds", 2},
        {"failureThreshold", 3}}},
      {"securityContext", DefaultContainerSecurityContext()},
  };
  if (spec.stream) {
    // The edge mode: MQTT in and out, no HTTP server to probe or route to.
    container.erase("ports");
    container.erase("readinessProbe");
    container.erase("livenessProbe");
    if (!custom) {
      container["args"] = {"stream",
                           "--broker",
                           spec.stream->broker,
                           "--input-topic",
                           spec.stream->input_topic,
                           "--output-topic",
                           spec.stream->output_topic,
                           "--model",
                           spec.model.remote() ? kRemoteModelFile : spec.model.uri};
      if (!spec.model.sha256.empty())
        container["args"].insert(container["args"].end(), {"--sha256", spec.model.sha256});
      if (!spec.stream->secret_name.empty()) {
        container["args"].push_back("--credentials-dir");
        container["args"].push_back(kStreamCredentialsPath);
      }
    } else if (!spec.args.empty()) {
      container["args"] = spec.args;
    }
  } else if (!custom) {
    container["args"] = {"serve", "--model", spec.model.remote() ? kRemoteModelFile : spec.model.uri,
                         "--port", std::to_string(spec.port)};
    if (spec.model.watch) container["args"].push_back("--watch");
    if (!spec.model.sha256.empty())
      container["args"].insert(container["args"].end(), {"--sha256", spec.model.sha256});
  } else if (!spec.args.empty()) {
    container["args"] = spec.args;
  }
  if (!spec.image_pull_policy.empty()) container["imagePullPolicy"] = spec.image_pull_policy;
  json resources = Resources(spec, options);
  if (!resources.empty()) container["resources"] = resources;
  json mounts = json::array({{{"name", "tmp"}, {"mountPath", "/tmp"}}});
  if (!PvcClaim(spec.model.uri).empty() || spec.model.remote()) {
    mounts.push_back({{"name", kModelVolumeName}, {"mountPath", kModelMountPath}, {"readOnly", true}});
  }
  if (spec.stream && !spec.stream->secret_name.empty()) {
    mounts.push_back(
        {{"name", kStreamCredentialsVolume}, {"mountPath", kStreamCredentialsPath}, {"readOnly", true}});
  }
  container["volumeMounts"] = mounts;
  return container;
}

// The storage initializer of an s3:// or https:// model: seed-job fetch downloads it into the model
// volume, checking model.sha256 (a mismatch writes nothing and fails the pod before the server
// starts). Always the seed-job image, which has the command, whatever image serves the model.
json ModelFetchContainer(const api::InferenceServiceSpec& spec, const InferenceServiceOptions& options) {
  json args = {"fetch", "--url", spec.model.uri, "--out", kRemoteModelFile, "--no-validate"};
  if (!spec.model.sha256.empty()) args.insert(args.end(), {"--sha256", spec.model.sha256});
  json mounts = json::array({{{"name", kModelVolumeName}, {"mountPath", kModelMountPath}},
                             {{"name", "tmp"}, {"mountPath", "/tmp"}}});
  json env = json::array();
  if (!spec.model.secret_name.empty()) {
    mounts.push_back(
        {{"name", kModelCredentialsVolume}, {"mountPath", kModelCredentialsPath}, {"readOnly", true}});
    env.push_back({{"name", "SEED_S3_CREDENTIALS_DIR"}, {"value", kModelCredentialsPath}});
  }
  return {{"name", kModelFetchContainer},
          {"image", options.default_image},
          {"command", {"seed-job"}},
          {"args", args},
          {"env", env},
          {"volumeMounts", mounts},
          {"securityContext", DefaultContainerSecurityContext()}};
}

json Deployment(const api::InferenceService& isvc, const std::string& name,
                const InferenceServiceOptions& options, bool owns_traffic, int64_t incoming_replicas) {
  const api::InferenceServiceSpec& spec = isvc.spec;
  const json labels = Labels(isvc, name);
  json volumes = json::array({{{"name", "tmp"}, {"emptyDir", json::object()}}});
  if (std::string claim = PvcClaim(spec.model.uri); !claim.empty()) {
    volumes.push_back({{"name", kModelVolumeName}, {"persistentVolumeClaim", {{"claimName", claim}, {"readOnly", true}}}});
  }
  if (spec.model.remote()) volumes.push_back({{"name", kModelVolumeName}, {"emptyDir", json::object()}});
  if (!spec.model.secret_name.empty()) {
    volumes.push_back({{"name", kModelCredentialsVolume},
                       {"secret", {{"secretName", spec.model.secret_name}, {"defaultMode", 0440}}}});
  }
  if (spec.stream && !spec.stream->secret_name.empty()) {
    volumes.push_back({{"name", kStreamCredentialsVolume},
                       {"secret", {{"secretName", spec.stream->secret_name}, {"defaultMode", 0440}}}});
  }
  json pod_spec = {
      {"securityContext",
       {{"runAsNonRoot", true},
        {"runAsUser", 65532},
        {"runAsGroup", 65532},
        {"fsGroup", 65532},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"containers", json::array({Container(spec, options)})},
      {"volumes", volumes},
      {"terminationGracePeriodSeconds", 30},
  };
  if (spec.model.remote()) pod_spec["initContainers"] = json::array({ModelFetchContainer(spec, options)});
  if (!spec.node_selector.empty()) pod_spec["nodeSelector"] = spec.node_selector;
  if (!spec.tolerations.empty()) pod_spec["tolerations"] = spec.tolerations;
  if (!spec.service_account_name.empty()) pod_spec["serviceAccountName"] = spec.service_account_name;
  json deployment_spec = {
      {"selector", {{"matchLabels", Selector(isvc, name)}}},
      // Never below the wanted capacity during a rollout: new pods become Ready (model loaded) first.
      {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", 0}}}}},
      {"revisionHistoryLimit", 10},
      {"progressDeadlineSeconds", 600},
      {"template",
       {{"metadata",
         {{"labels", labels},
          {"annotations",
           {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", std::to_string(spec.port)}, {"prometheus.io/path", "/metrics"}}}}},
        {"spec", pod_spec}}},
  };
  // The stream runner's metrics port is its own: no scrape annotations naming the HTTP port.
  if (spec.stream) deployment_spec["template"]["metadata"].erase("annotations");
  // With an HPA the replica count is the autoscaler's: writing it would fight every scale decision.
  // A version that does not own traffic yet has no HPA; it runs as many replicas as the serving one.
  if (!spec.replicas.autoscaled()) {
    deployment_spec["replicas"] = spec.replicas.min;
  } else if (!owns_traffic) {
    deployment_spec["replicas"] = std::clamp(incoming_replicas > 0 ? incoming_replicas : spec.replicas.min,
                                             spec.replicas.min, spec.replicas.max);
  }
  json metadata = Metadata(isvc, name, labels, deployment_spec);
  metadata["annotations"][kModelVersionAnnotation] = spec.model.version;
  return Object("apps/v1", "Deployment", std::move(metadata), deployment_spec);
}

// The target is the container port's name, not its number: while the stable Services still select
// the old version during an upgrade that also changes spec.port, each pod is reached on its own port.
json ServicePorts() {
  return json::array(
      {{{"name", "http"}, {"port", kServicePort}, {"targetPort", "http"}, {"protocol", "TCP"}}});
}

// A Service named `name` selecting the pods of version child `serving`.
json Service(const api::InferenceService& isvc, const std::string& name, const std::string& serving) {
  // clusterIP is the API server's to assign; it is never written.
  json spec = {{"type", "ClusterIP"}, {"selector", Selector(isvc, serving)}, {"ports", ServicePorts()}};
  return Object("v1", "Service", Metadata(isvc, name, Labels(isvc, name), spec), spec);
}

json ExternalService(const api::InferenceService& isvc, const std::string& name, const std::string& serving) {
  const api::Expose& expose = *isvc.spec.expose;
  json spec = {{"type", expose.type}, {"selector", Selector(isvc, serving)}, {"ports", ServicePorts()}};
  if (!expose.external_ips.empty()) spec["externalIPs"] = expose.external_ips;
  const std::string external = ExternalServiceName(name);
  return Object("v1", "Service", Metadata(isvc, external, Labels(isvc, name), spec), spec);
}

json Hpa(const api::InferenceService& isvc, const std::string& name) {
  const api::InferenceServiceSpec& spec = isvc.spec;
  json metrics = json::array();
  for (const auto& metric : spec.metrics) {
    if (metric.type == api::MetricType::kGpu) {
      metrics.push_back({{"type", "Pods"},
                         {"pods",
                          {{"metric", {{"name", metric.metric_name}}},
                           {"target", {{"type", "AverageValue"}, {"averageValue", std::to_string(metric.target_utilization)}}}}}});
    } else {
      metrics.push_back({{"type", "Resource"},
                         {"resource",
                          {{"name", api::MetricTypeName(metric.type)},
                           {"target", {{"type", "Utilization"}, {"averageUtilization", metric.target_utilization}}}}}});
    }
  }
  json hpa_spec = {{"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}},
                   {"minReplicas", spec.replicas.min},
                   {"maxReplicas", spec.replicas.max},
                   {"metrics", metrics}};
  if (spec.behavior.is_object()) hpa_spec["behavior"] = spec.behavior;
  return Object("autoscaling/v2", "HorizontalPodAutoscaler", Metadata(isvc, name, Labels(isvc, name), hpa_spec), hpa_spec);
}

json Route(const api::InferenceService& isvc, const std::string& name, const InferenceServiceOptions& options,
           const TrafficView& view) {
  const api::Traffic& traffic = isvc.spec.traffic;
  int64_t others = 0;
  for (const auto& target : traffic.split) others += target.percent;
  const int64_t own = 100 - others;
  json backends = json::array();
  if (view.route_versions.empty()) {
    backends.push_back({{"name", name}, {"port", kServicePort}, {"weight", own}});
  } else {
    // A canary divides this service's share between the versions; rounding goes to the last one.
    int64_t given = 0;
    for (size_t i = 0; i < view.route_versions.size(); ++i) {
      const auto& [version, percent] = view.route_versions[i];
      int64_t weight = i + 1 == view.route_versions.size() ? own - given : own * percent / 100;
      given += weight;
      backends.push_back({{"name", version}, {"port", kServicePort}, {"weight", weight}});
    }
  }
  for (const auto& target : traffic.split) {
    backends.push_back({{"name", target.service}, {"port", kServicePort}, {"weight", target.percent}});
  }
  json rule = {{"matches", json::array({{{"path", {{"type", "PathPrefix"}, {"value", "/"}}}}})}, {"backendRefs", backends}};
  if (traffic.mirror) {
    rule["filters"] = json::array({{{"type", "RequestMirror"},
                                    {"requestMirror",
                                     {{"backendRef", {{"name", traffic.mirror->service}, {"port", kServicePort}}},
                                      {"percent", traffic.mirror->percent}}}}});
  }
  json spec = {{"parentRefs", options.gateway_parent_refs},
               {"hostnames", json::array({isvc.spec.host})},
               {"rules", json::array({rule})}};
  return Object("gateway.networking.k8s.io/v1", "HTTPRoute", Metadata(isvc, name, Labels(isvc, name), spec), spec);
}

}  // namespace

std::string InferenceServiceChildName(const api::InferenceServiceSpec& spec) {
  std::string digits;
  for (char c : spec.model.version) {
    if (c >= '0' && c <= '9') digits += c;
  }
  std::string name = spec.service_type + "-" + spec.model.name;
  if (!digits.empty()) name += "-" + digits;
  return Shorten(name, kMaxNameLength);
}

std::string InferenceServiceStableName(const api::InferenceServiceSpec& spec) {
  return Shorten(spec.service_type + "-" + spec.model.name, kMaxNameLength);
}

std::string ExternalServiceName(const std::string& child_name) {
  const std::string suffix = "-external";
  if (child_name.size() + suffix.size() <= kMaxNameLength) return child_name + suffix;
  return Shorten(child_name, kMaxNameLength - suffix.size()) + suffix;
}

std::string ModelPathInPod(const std::string& uri) {
  if (uri.rfind("pvc://", 0) == 0) {
    std::string rest = uri.substr(6);
    size_t slash = rest.find('/');
    std::string path = slash == std::string::npos ? "" : rest.substr(slash + 1);
    while (!path.empty() && path.back() == '/') path.pop_back();
    return path.empty() ? std::string(kModelMountPath) : std::string(kModelMountPath) + "/" + path;
  }
  if (uri.rfind("file://", 0) == 0) return uri.substr(7);
  if (uri.rfind("s3://", 0) == 0 || uri.rfind("https://", 0) == 0) return kRemoteModelFile;
  return uri;
}

InferenceServiceChildren RenderInferenceService(const api::InferenceService& isvc,
                                                const InferenceServiceOptions& options,
                                                const TrafficView& view) {
  InferenceServiceChildren children;
  children.name = InferenceServiceStableName(isvc.spec);
  children.version_name = InferenceServiceChildName(isvc.spec);
  const std::string serving = view.serving.empty() ? children.version_name : view.serving;
  const bool owns_traffic = serving == children.version_name;
  if (isvc.spec.stream) {  // MQTT in and out: only the Deployment
    if (view.render_version) children.deployment = Deployment(isvc, children.version_name, options, true, 0);
    return children;
  }
  if (view.render_version) {
    children.deployment =
        Deployment(isvc, children.version_name, options, owns_traffic, view.incoming_replicas);
    children.version_service = Service(isvc, children.version_name, children.version_name);
    if (isvc.spec.replicas.autoscaled() && owns_traffic) children.hpa = Hpa(isvc, children.version_name);
  }
  children.service = Service(isvc, children.name, serving);
  if (isvc.spec.expose) children.external_service = ExternalService(isvc, children.name, serving);
  if (!isvc.spec.host.empty() && options.gateway_api_available)
    children.route = Route(isvc, children.name, options, view);
  return children;
}

std::string InferenceServiceUrl(const api::InferenceService& isvc, const InferenceServiceOptions& options) {
  if (!isvc.spec.host.empty() && options.gateway_api_available) return "http://" + isvc.spec.host;
  return InferenceServiceLocalUrl(isvc);
}

std::string InferenceServiceLocalUrl(const api::InferenceService& isvc) {
  std::string url = "http://" + InferenceServiceStableName(isvc.spec);
  if (!isvc.metadata.namespace_.empty()) url += "." + isvc.metadata.namespace_ + ".svc.cluster.local";
  return url;
}

}  // namespace seed::render
