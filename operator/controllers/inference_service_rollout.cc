#include "controllers/inference_service_rollout.h"

#include <algorithm>
#include <cstdio>

namespace seed::controllers {

using nlohmann::json;

namespace {

constexpr char kInstanceLabel[] = "app.kubernetes.io/instance";

std::string DeploymentName(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) return "";
  return object["metadata"].value("name", "");
}

const json* DeploymentCondition(const json& deployment, const std::string& type) {
  const json status = deployment.value("status", json::object());
  if (!status.contains("conditions") || !status["conditions"].is_array()) return nullptr;
  for (const auto& condition : deployment["status"]["conditions"]) {
    if (condition.is_object() && condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

int64_t DesiredReplicas(const json& deployment) {
  const json spec = deployment.value("spec", json::object());
  if (spec.contains("replicas") && spec["replicas"].is_number_integer())
    return spec["replicas"].get<int64_t>();
  return 1;  // the API server's default
}

int64_t ReadyReplicas(const json& deployment) {
  return deployment.value("status", json::object()).value("readyReplicas", int64_t{0});
}

// The rollout stalled: Progressing=False (ProgressDeadlineExceeded).
bool DeploymentFailed(const json& deployment) {
  const json* progressing = DeploymentCondition(deployment, "Progressing");
  return progressing && progressing->value("status", "") == "False";
}

std::string Counts(const json& deployment) {
  return std::to_string(ReadyReplicas(deployment)) + " of " + std::to_string(DesiredReplicas(deployment)) +
         " replicas ready";
}

// 0.2 -> "0.2", 0.04761 -> "0.0476": enough digits to compare with the limit, no trailing zeros.
std::string RatioText(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

std::string SecondsText(std::chrono::seconds value) { return std::to_string(value.count()) + " s"; }

}  // namespace

bool DeploymentAvailable(const json& deployment) {
  if (!deployment.is_object()) return false;
  const json status = deployment.value("status", json::object());
  const int64_t generation = deployment.value("metadata", json::object()).value("generation", int64_t{0});
  if (status.value("observedGeneration", int64_t{0}) < generation) return false;
  const json* available = DeploymentCondition(deployment, "Available");
  if (!available || available->value("status", "") != "True") return false;
  const int64_t want = std::max<int64_t>(1, DesiredReplicas(deployment));
  return status.value("availableReplicas", int64_t{0}) >= want &&
         status.value("updatedReplicas", want) >= want;
}

std::string DeploymentModelVersion(const json& deployment) {
  if (!deployment.is_object()) return "";
  const json meta = deployment.value("metadata", json::object());
  const json annotations = meta.value("annotations", json::object());
  if (annotations.is_object() && annotations.contains(render::kModelVersionAnnotation) &&
      annotations[render::kModelVersionAnnotation].is_string()) {
    return annotations[render::kModelVersionAnnotation].get<std::string>();
  }
  // Deployments from before the annotation: the env the server reads.
  const json pod = deployment.value("spec", json::object())
                       .value("template", json::object())
                       .value("spec", json::object());
  for (const auto& container : pod.value("containers", json::array())) {
    for (const auto& env : container.value("env", json::array())) {
      if (env.value("name", "") == "SEED_MODEL_VERSION") return env.value("value", "");
    }
  }
  return "";
}

namespace {

// Stream mode: no Services to switch; the versions overlap until the new one is Available, then the
// old ones retire after the delay.
RolloutDecision DecideStreamRollout(const RolloutInput& input) {
  const api::InferenceService& isvc = *input.isvc;
  const std::string target = render::InferenceServiceChildName(isvc.spec);
  const std::string target_version = isvc.spec.model.version;
  const api::RolloutStatus& previous = input.previous;
  const bool same_target = previous.to_version == target_version && !previous.empty();
  const json* incoming = nullptr;
  std::vector<const json*> others;
  for (const auto& deployment : input.deployments) {
    if (DeploymentName(deployment) == target) {
      incoming = &deployment;
    } else {
      others.push_back(&deployment);
    }
  }
  RolloutDecision decision;
  api::RolloutStatus& status = decision.status;
  status.to_version = target_version;
  status.generation = isvc.metadata.generation;
  status.from_version = same_target      ? previous.from_version
                        : others.empty() ? ""
                                         : DeploymentModelVersion(*others.front());
  decision.view.serving = target;
  const bool available = incoming && DeploymentAvailable(*incoming);
  auto keep_others = [&] {
    for (const json* other : others) {
      decision.keep.insert(DeploymentName(*other));
      decision.traffic.push_back({DeploymentModelVersion(*other), DeploymentName(*other), available ? 0 : 100,
                                  ReadyReplicas(*other)});
    }
  };
  const std::string old_versions = others.empty() ? "" : DeploymentModelVersion(*others.front());
  if (!others.empty() && incoming && DeploymentFailed(*incoming)) {
    decision.view.render_version = false;
    keep_others();
    decision.serving_deployment = *others.front();
    decision.serving_version = old_versions;
    status.phase = kRolloutRolledBack;
    status.message = "rolled back to " + old_versions + ": Deployment " + target + " made no progress (" +
                     Counts(*incoming) + "); change the spec to try again";
    decision.events.push_back({"Warning", "RolledBack",
                               "Rolled back from " + target_version + " to " + old_versions +
                                   ": Deployment " + target + " made no progress"});
    return decision;
  }
  if (!others.empty() && same_target && previous.phase == kRolloutRolledBack &&
      previous.generation == isvc.metadata.generation) {
    decision.view.render_version = false;
    keep_others();
    decision.serving_deployment = *others.front();
    decision.serving_version = old_versions;
    status = previous;
    return decision;
  }
  decision.serving_version = available || others.empty() ? target_version : old_versions;
  if (incoming) decision.serving_deployment = available || others.empty() ? *incoming : *others.front();
  if (incoming)
    decision.traffic.push_back(
        {target_version, target, available || others.empty() ? 100 : 0, ReadyReplicas(*incoming)});
  if (others.empty()) {
    status.phase = available || (same_target && previous.phase == kRolloutComplete && incoming)
                       ? kRolloutComplete
                       : kRolloutProgressing;
    status.message = status.phase == kRolloutComplete
                         ? target_version + " consumes " + isvc.spec.stream->input_topic
                         : "waiting for Deployment " + target;
    status.step_started =
        same_target && previous.step_started ? previous.step_started : std::optional(input.now);
    if (status.phase == kRolloutComplete && same_target && previous.phase == kRolloutProgressing &&
        !status.from_version.empty()) {
      decision.events.push_back(
          {"Normal", "RolloutComplete",
           target_version + " consumes alone (upgraded from " + status.from_version + ")"});
    }
    return decision;
  }
  status.phase = kRolloutProgressing;
  if (!available) {
    keep_others();
    status.message = "waiting for " + target_version + " (Deployment " + target + ": " +
                     (incoming ? Counts(*incoming) : std::string("not created yet")) + "); " + old_versions +
                     " keeps consuming";
    if (!same_target || previous.phase != kRolloutProgressing) {
      decision.events.push_back({"Normal", "RolloutStarted",
                                 "Rolling out " + target_version + " (Deployment " + target + "); " +
                                     old_versions + " keeps consuming until it is Available"});
    }
    return decision;
  }
  const std::string overlap =
      "both versions consume; " + old_versions + " stops after " + SecondsText(input.retire_delay);
  const bool overlapping = same_target && previous.phase == kRolloutProgressing &&
                           previous.message == overlap && previous.step_started;
  const auto since = overlapping ? *previous.step_started : input.now;
  if (input.now - since < input.retire_delay) {
    keep_others();
    status.message = overlap;
    status.step_started = since;
    decision.requeue_after = input.retire_delay - (input.now - since);
    if (!overlapping) {
      decision.events.push_back({"Normal", "TrafficSwitched",
                                 target_version + " is Available and consumes; " + old_versions +
                                     " stops after " + SecondsText(input.retire_delay)});
    }
    return decision;
  }
  for (const json* other : others) {
    decision.events.push_back({"Normal", "VersionRetired",
                               "Retired " + DeploymentModelVersion(*other) + " (Deployment " +
                                   DeploymentName(*other) + "): " + target_version + " consumes alone"});
  }
  status.phase = kRolloutComplete;
  status.message = target_version + " consumes " + isvc.spec.stream->input_topic;
  status.step_started = input.now;
  decision.events.push_back({"Normal", "RolloutComplete",
                             target_version + " consumes alone (upgraded from " + status.from_version + ")"});
  return decision;
}

}  // namespace

RolloutDecision DecideRollout(const RolloutInput& input) {
  if (input.stream) return DecideStreamRollout(input);
  const api::InferenceService& isvc = *input.isvc;
  const std::string target = render::InferenceServiceChildName(isvc.spec);
  const std::string target_version = isvc.spec.model.version;
  const int64_t generation = isvc.metadata.generation;
  const api::RolloutStatus& previous = input.previous;
  const bool same_target = previous.to_version == target_version && !previous.empty();

  auto find = [&](const std::string& name) -> const json* {
    for (const auto& deployment : input.deployments) {
      if (DeploymentName(deployment) == name) return &deployment;
    }
    return nullptr;
  };
  const json* incoming = find(target);

  // The version that owns traffic now: the stable Service's selector; with no stable Service yet
  // (first create, or children made before stable names existed), or one that selects a version
  // whose Deployment is gone, an Available older version.
  std::string old;
  std::string selected;
  if (input.stable_service.is_object()) {
    const json selector =
        input.stable_service.value("spec", json::object()).value("selector", json::object());
    selected = selector.is_object() ? selector.value(kInstanceLabel, "") : "";
  }
  if (selected != target && find(selected)) {
    old = selected;
  } else if (selected != target) {
    for (const auto& deployment : input.deployments) {
      if (DeploymentName(deployment) != target && DeploymentAvailable(deployment)) {
        old = DeploymentName(deployment);
        break;
      }
    }
  }
  const json* old_deployment = old.empty() ? nullptr : find(old);
  const std::string old_version = old_deployment ? DeploymentModelVersion(*old_deployment) : "";

  RolloutDecision decision;
  api::RolloutStatus& status = decision.status;
  status.to_version = target_version;
  status.generation = generation;
  status.from_version = same_target ? previous.from_version : old_version;

  auto serve_old = [&](int64_t new_percent) {
    decision.view.serving = old;
    decision.view.incoming_replicas = DesiredReplicas(*old_deployment);
    decision.keep.insert(old);
    decision.serving_deployment = *old_deployment;
    decision.serving_version = old_version;
    decision.traffic.push_back({old_version, old, 100 - new_percent, ReadyReplicas(*old_deployment)});
    if (decision.view.render_version) {  // both versions show, the new one from its creation on
      decision.traffic.push_back(
          {target_version, target, new_percent, incoming ? ReadyReplicas(*incoming) : 0});
    }
    if (new_percent > 0) decision.view.route_versions = {{old, 100 - new_percent}, {target, new_percent}};
  };
  auto roll_back = [&](const std::string& why) {
    decision.view.render_version = false;
    serve_old(0);
    status.phase = kRolloutRolledBack;
    status.step = -1;
    status.step_started = input.now;
    status.message = "rolled back to " + old_version + ": " + why +
                     "; change the spec (e.g. a new model.version) to try again";
    decision.events.push_back(
        {"Warning", "RolledBack", "Rolled back from " + target_version + " to " + old_version + ": " + why});
  };

  if (!old.empty()) {
    // Stay rolled back until the spec changes.
    if (same_target && previous.phase == kRolloutRolledBack && previous.generation == generation) {
      decision.view.render_version = false;
      serve_old(0);
      status = previous;
      return decision;
    }
    const bool canary_running =
        input.canary && same_target && previous.phase == kRolloutProgressing && previous.step >= 0;
    if (incoming && DeploymentFailed(*incoming)) {
      roll_back("Deployment " + target + " made no progress (" + Counts(*incoming) + ")");
      return decision;
    }
    if (canary_running && (!incoming || !DeploymentAvailable(*incoming))) {
      roll_back("Deployment " + target + " stopped being Available during the canary (" +
                (incoming ? Counts(*incoming) : std::string("it was deleted")) + ")");
      return decision;
    }
    const double max_ratio = isvc.spec.rollout ? isvc.spec.rollout->max_error_ratio : 1.0;
    if (canary_running && input.error_ratio && *input.error_ratio > max_ratio) {
      roll_back("its error ratio " + RatioText(*input.error_ratio) + " is above maxErrorRatio " +
                RatioText(max_ratio));
      return decision;
    }
    if (!incoming || !DeploymentAvailable(*incoming)) {
      serve_old(0);
      status.phase = kRolloutProgressing;
      status.message = "waiting for " + target_version + " (Deployment " + target + ": " +
                       (incoming ? Counts(*incoming) : std::string("not created yet")) + "); " + old_version +
                       " keeps serving";
      if (!same_target || previous.phase != kRolloutProgressing) {
        decision.events.push_back({"Normal", "RolloutStarted",
                                   "Rolling out " + target_version + " (Deployment " + target + "); " +
                                       old_version + " keeps all traffic until it is Available"});
      }
      return decision;
    }
    if (input.canary) {
      const std::vector<int64_t>& steps = isvc.spec.rollout->steps;
      const std::chrono::seconds interval{isvc.spec.rollout->interval_seconds};
      int64_t step = 0;
      std::chrono::sys_seconds started = input.now;
      if (canary_running && previous.step_started) {
        step = std::min<int64_t>(previous.step, static_cast<int64_t>(steps.size()) - 1);
        started = *previous.step_started;
        if (input.now - started >= interval && step + 1 < static_cast<int64_t>(steps.size())) {
          ++step;
          started = input.now;
        } else if (input.now - started < interval) {
          decision.requeue_after = interval - (input.now - started);
        }
      } else if (steps.size() > 1 || steps[0] < 100) {
        decision.requeue_after = interval;
      }
      const int64_t percent = steps[step];
      if (percent < 100) {
        serve_old(percent);
        status.phase = kRolloutProgressing;
        status.step = step;
        status.step_started = started;
        status.message = "canary step " + std::to_string(step + 1) + " of " + std::to_string(steps.size()) +
                         ": " + std::to_string(percent) + "% to " + target_version;
        if (!canary_running || previous.step != step) {
          decision.events.push_back({"Normal", "CanaryStep",
                                     "Canary step " + std::to_string(step + 1) + " of " +
                                         std::to_string(steps.size()) + ": HTTPRoute sends " +
                                         std::to_string(percent) + "% to " + target_version + ", " +
                                         std::to_string(100 - percent) + "% to " + old_version});
        }
        return decision;
      }
    }
    // Switch: the stable Services select the new version from now on.
    decision.view.serving = target;
    decision.keep.insert(old);
    decision.serving_deployment = *incoming;
    decision.serving_version = target_version;
    decision.traffic.push_back({target_version, target, 100, ReadyReplicas(*incoming)});
    decision.traffic.push_back({old_version, old, 0, ReadyReplicas(*old_deployment)});
    status.phase = kRolloutProgressing;
    status.step = input.canary ? static_cast<int64_t>(isvc.spec.rollout->steps.size()) - 1 : -1;
    status.message = "the Services select " + target_version + "; " + old_version + " retires in " +
                     SecondsText(input.retire_delay);
    decision.requeue_after = input.retire_delay;
    // A cache that has not shown the switched selector yet decides the switch again: once is news.
    const bool switched_before = same_target && previous.phase == kRolloutProgressing &&
                                 previous.message == status.message && previous.step_started;
    status.step_started = switched_before ? *previous.step_started : input.now;
    if (!switched_before)
      decision.events.push_back({"Normal", "TrafficSwitched",
                                 "Services now select " + target_version + " (Deployment " + target + ", " +
                                     Counts(*incoming) + "); " + old_version + " retires in " +
                                     SecondsText(input.retire_delay)});
    return decision;
  }

  // The target owns traffic (or nothing does yet).
  decision.view.serving = target;
  decision.serving_version = target_version;
  if (incoming) {
    decision.serving_deployment = *incoming;
    decision.traffic.push_back({target_version, target, 100, ReadyReplicas(*incoming)});
  }
  // Old versions linger for retire_delay after the switch, then go.
  std::vector<std::string> others;
  for (const auto& deployment : input.deployments) {
    if (DeploymentName(deployment) != target) others.push_back(DeploymentName(deployment));
  }
  const bool lingering = same_target && previous.phase == kRolloutProgressing && previous.step_started &&
                         input.now - *previous.step_started < input.retire_delay && !others.empty();
  if (lingering) {
    for (const auto& other : others) {
      decision.keep.insert(other);
      if (const json* deployment = find(other)) {
        decision.traffic.push_back(
            {DeploymentModelVersion(*deployment), other, 0, ReadyReplicas(*deployment)});
      }
    }
    status = previous;
    status.generation = generation;
    decision.requeue_after = input.retire_delay - (input.now - *previous.step_started);
    return decision;
  }
  for (const auto& other : others) {
    if (const json* deployment = find(other)) {
      decision.events.push_back({"Normal", "VersionRetired",
                                 "Retired " + DeploymentModelVersion(*deployment) + " (Deployment " + other +
                                     "): " + target_version + " serves all traffic"});
    }
  }
  // Once complete it stays so: an autoscaler adding pods is not a rollout (Ready reports them).
  const bool available = (incoming && DeploymentAvailable(*incoming)) ||
                         (same_target && previous.phase == kRolloutComplete && incoming);
  status.phase = available ? kRolloutComplete : kRolloutProgressing;
  status.step = -1;
  status.step_started =
      same_target && previous.step_started ? previous.step_started : std::optional(input.now);
  status.message = available ? target_version + " serves all traffic"
                             : "waiting for " + target_version + " (Deployment " + target + ": " +
                                   (incoming ? Counts(*incoming) : std::string("not created yet")) + ")";
  if (available && (!same_target || previous.phase != kRolloutComplete)) {
    status.step_started = input.now;
    if (!status.from_version.empty() && status.from_version != target_version) {
      decision.events.push_back(
          {"Normal", "RolloutComplete",
           target_version + " serves all traffic (upgraded from " + status.from_version + ")"});
    }
  }
  return decision;
}

}  // namespace seed::controllers
