#include "render/task_pod.h"

#include <algorithm>

#include "render/artifact_access.h"
#include "render/labels.h"
#include "render/names.h"
#include "render/workspace_pvc.h"

namespace seed::render {

using nlohmann::json;

namespace {

// Appends items of `overrides` to `base`, replacing base items with the same `key` value, so that
// template entries win over pod defaults.
json MergeByKey(const json& base, const json& overrides, const char* key) {
  json merged = json::array();
  for (const auto& item : base) {
    bool replaced = false;
    for (const auto& over : overrides) {
      replaced = replaced ||
                 (item.is_object() && over.is_object() && item.value(key, json()) == over.value(key, json()));
    }
    if (!replaced) merged.push_back(item);
  }
  for (const auto& item : overrides) merged.push_back(item);
  return merged;
}

json Resources(const api::TaskResources& resources) {
  json out = json::object();
  if (!resources.requests.empty()) out["requests"] = resources.requests;
  json limits = resources.limits;
  if (resources.gpu > 0) limits["nvidia.com/gpu"] = std::to_string(resources.gpu);
  if (!limits.empty()) out["limits"] = limits;
  return out;
}

const api::S3ArtifactRepository* Repository(const api::PipelineSpec& pipeline) {
  if (!pipeline.artifact_repository || !pipeline.artifact_repository->s3) return nullptr;
  return &*pipeline.artifact_repository->s3;
}

json Env(const TaskPodInput& input, const json& repository_env) {
  json env = MergeByKey(input.pipeline->pod_defaults.env, input.spec->env, "name");
  // The repository's settings win over same-named user env: the pod must reach the bucket its
  // artifact paths name.
  env = MergeByKey(env, repository_env, "name");
  auto add = [&](const char* name, const std::string& value) {
    env.push_back({{"name", name}, {"value", value}});
  };
  add("SEED_RESULTS_FILE", kResultsPath);
  add("SEED_RUN", input.run.name);
  add("SEED_TASK", input.task);
  add("SEED_ATTEMPT", std::to_string(input.attempt));
  if (input.item >= 0) add("SEED_ITEM", std::to_string(input.item));
  add("SEED_SCHEDULED_TIME", input.scheduled_time);
  const api::S3ArtifactRepository* s3 = Repository(*input.pipeline);
  add("SEED_WORKSPACE", s3 ? api::ArtifactRoot(*s3) : std::string(kWorkspaceMountPath));
  return env;
}

}  // namespace

json DefaultContainerSecurityContext() {
  return {{"allowPrivilegeEscalation", false},
          {"capabilities", {{"drop", json::array({"ALL"})}}},
          {"readOnlyRootFilesystem", true},
          {"runAsNonRoot", true},
          {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

json RenderTaskPod(const TaskPodInput& input, const RenderOptions& options) {
  const api::JobTemplateSpec& spec = *input.spec;
  const api::PipelineSpec& pipeline = *input.pipeline;

  // The template's settings over the Pipeline's podDefaults, both over the restricted defaults.
  const api::PodSettings pod = api::MergePodSettings(pipeline.pod_defaults.pod, spec.pod);
  json security = DefaultContainerSecurityContext();
  if (pod.security_context.is_object()) security.update(pod.security_context);
  json pod_security = {{"runAsNonRoot", true},
                       {"runAsUser", 65532},
                       {"runAsGroup", 65532},
                       {"fsGroup", 65532},
                       {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  if (pod.pod_security_context.is_object()) pod_security.update(pod.pod_security_context);

  // With an artifact repository the pod has no workspace volume: artifacts are s3:// paths and the
  // repository Secret is the only extra mount.
  const api::S3ArtifactRepository* s3 = Repository(pipeline);
  ArtifactAccess access;
  if (s3) access = RenderArtifactAccess(*s3);
  json mounts = json::array({
      {{"name", "seed-tmp"}, {"mountPath", "/tmp"}},
      {{"name", "seed-dir"}, {"mountPath", "/seed"}},
  });
  if (!s3) mounts.push_back({{"name", "seed-workspace"}, {"mountPath", kWorkspaceMountPath}});
  for (const auto& mount : access.mounts) mounts.push_back(mount);
  for (const auto& mount : MergeByKey(pipeline.pod_defaults.volume_mounts, spec.volume_mounts, "mountPath")) {
    mounts.push_back(mount);
  }
  json volumes = json::array({
      {{"name", "seed-tmp"}, {"emptyDir", json::object()}},
      {{"name", "seed-dir"}, {"emptyDir", {{"sizeLimit", "64Mi"}}}},
  });
  if (!s3) volumes.push_back(WorkspaceVolume(input.run.name, pipeline));
  for (const auto& volume : access.volumes) volumes.push_back(volume);
  for (const auto& volume : MergeByKey(pipeline.pod_defaults.volumes, spec.volumes, "name"))
    volumes.push_back(volume);

  json container = {
      {"name", "main"},
      {"image", spec.image.empty() ? options.default_image : spec.image},
      {"command", spec.command},
      {"env", Env(input, access.env)},
      {"volumeMounts", mounts},
      {"terminationMessagePath", kResultsPath},
      // A task that fails before writing its results file leaves the tail of its log as the
      // termination message, so the run's status can quote its own error line.
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
      {"securityContext", security},
  };
  if (!spec.args.empty()) container["args"] = spec.args;
  if (!spec.image_pull_policy.empty()) container["imagePullPolicy"] = spec.image_pull_policy;
  json resources = Resources(spec.resources);
  if (!resources.empty()) container["resources"] = resources;

  json pod_spec = {
      {"restartPolicy", "Never"},
      {"securityContext", pod_security},
      {"containers", json::array({container})},
      {"volumes", volumes},
  };
  if (input.active_deadline_seconds) pod_spec["activeDeadlineSeconds"] = *input.active_deadline_seconds;
  if (!pod.service_account_name.empty()) pod_spec["serviceAccountName"] = pod.service_account_name;
  // No task needs the Kubernetes API by default: the namespace's default account's token stays
  // out of the pod. A pod under a named account gets what that account says (or the explicit field).
  if (pod.automount_service_account_token) {
    pod_spec["automountServiceAccountToken"] = *pod.automount_service_account_token;
  } else if (pod.service_account_name.empty()) {
    pod_spec["automountServiceAccountToken"] = false;
  }
  if (!pod.priority_class_name.empty()) pod_spec["priorityClassName"] = pod.priority_class_name;
  if (!pod.image_pull_secrets.empty()) pod_spec["imagePullSecrets"] = pod.image_pull_secrets;
  json selector = pipeline.pod_defaults.node_selector;
  if (spec.node_selector.is_object()) selector.update(spec.node_selector);
  if (!selector.empty()) pod_spec["nodeSelector"] = selector;
  json tolerations = pipeline.pod_defaults.tolerations;
  for (const auto& toleration : spec.tolerations) {
    if (std::find(tolerations.begin(), tolerations.end(), toleration) == tolerations.end())
      tolerations.push_back(toleration);
  }
  if (!tolerations.empty()) pod_spec["tolerations"] = tolerations;
  if (pod.affinity.is_object()) pod_spec["affinity"] = pod.affinity;

  json labels = RunChildLabels(input.run.name, input.pipeline_name);
  labels[kTaskLabel] = input.task;
  labels[kAttemptLabel] = std::to_string(input.attempt);
  if (input.item >= 0) labels[kItemLabel] = std::to_string(input.item);
  json metadata = {{"name", TaskPodName(input.run.name, input.task, input.item, input.attempt)},
                   {"labels", labels},
                   {"annotations", {{kSpecHashAnnotation, LongHash(pod_spec.dump())}}},
                   {"ownerReferences", json::array({ControllerReference("PipelineRun", input.run)})}};
  if (!input.run.namespace_.empty()) metadata["namespace"] = input.run.namespace_;
  return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", metadata}, {"spec", pod_spec}};
}

}  // namespace seed::render
