#include "pipeline_testing/serving_replay.h"

#include <algorithm>
#include <map>

#include "controllers/inference_service_rollout.h"

namespace seed::pipeline_testing {

using nlohmann::json;

std::string SelectedDeployment(const json& service) {
  return service["spec"]["selector"].value("app.kubernetes.io/instance", "");
}

int ReplayBackends(const std::vector<json>& events, const std::set<std::string>& stable_services,
                   std::vector<std::string>* bad) {
  auto rv = [](const json* event) {
    return std::stoll((*event)["object"]["metadata"].value("resourceVersion", "0"));
  };
  std::vector<const json*> ordered;
  for (const auto& event : events) ordered.push_back(&event);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const json* a, const json* b) { return rv(a) < rv(b); });
  std::map<std::string, json> deployments, stable;
  std::set<std::string> serving;  // stable Services that have had a backend
  int checked = 0;
  for (const json* event : ordered) {
    const json& object = (*event)["object"];
    const std::string name = object["metadata"]["name"];
    const bool gone = (*event)["type"] == "DELETED";
    if (object["kind"] == "Deployment") {
      if (gone) {
        deployments.erase(name);
      } else {
        deployments[name] = object;
      }
    } else if (stable_services.count(name)) {
      if (gone) {
        stable.erase(name);
      } else {
        stable[name] = object;
      }
    }
    for (const auto& service : stable_services) {
      const auto found = stable.find(service);
      const std::string selected = found != stable.end() ? SelectedDeployment(found->second) : "";
      const auto deployment = deployments.find(selected);
      const bool backed =
          deployment != deployments.end() && controllers::DeploymentAvailable(deployment->second);
      if (!serving.count(service)) {
        if (backed) serving.insert(service);
        continue;
      }
      ++checked;
      if (!backed) {
        bad->push_back("resourceVersion " + std::to_string(rv(event)) + " (" +
                       (*event)["type"].get<std::string>() + " " + object["kind"].get<std::string>() + " " +
                       name + "): " +
                       (found == stable.end()
                            ? "the stable Service " + service + " is gone"
                            : "the stable Service " + service + " selects " + selected + ", which is " +
                                  (deployment != deployments.end() ? "not Available" : "gone")));
      }
    }
  }
  return checked;
}

}  // namespace seed::pipeline_testing
