// GET /api/v1/namespaces/NS/pods/NAME/log: the pod's log as text/plain, with the checks the real
// API server makes before it asks the kubelet: the pod must exist (404), ?container= must name one
// of its containers and may be left out only when it has one (400 otherwise, with the real
// messages), and a container that has not started has no log yet (400 "waiting to start"). Other
// write verbs on pods/log are refused by the router (only get is a verb of this subresource).
#include <algorithm>
#include <fstream>
#include <sstream>

#include "kube-emulator/server/api_error.h"
#include "kube-emulator/server/emulator.h"

namespace kubeemu {

ApiResponse Emulator::PodLog(const Target& target, const ApiRequest& request) {
  Target pod_target = target;
  pod_target.subresource.clear();
  const json pod = Get(pod_target);  // 404 pods "NAME" not found
  const std::string& name = target.name;
  std::vector<std::string> containers;
  for (const auto& container : pod["spec"].value("containers", json::array()))
    containers.push_back(container.value("name", ""));
  std::string container = request.Query("container");
  if (container.empty()) {
    if (containers.size() != 1) {
      std::string choices;
      for (const auto& c : containers) choices += (choices.empty() ? "" : " ") + c;
      throw BadRequest("a container name must be specified for pod " + name + ", choose one of: [" + choices +
                       "]");
    }
    container = containers.front();
  } else if (std::find(containers.begin(), containers.end(), container) == containers.end()) {
    throw BadRequest("container " + container + " is not valid for pod " + name);
  }
  const std::string phase = pod.value("status", json::object()).value("phase", "Pending");
  if (phase == "Pending") {
    throw BadRequest("container \"" + container + "\" in pod \"" + name +
                     "\" is waiting to start: ContainerCreating");
  }
  ApiResponse response;
  response.raw_content_type = "text/plain";
  if (!config_.pod_log_dir.empty()) {
    std::ifstream in(config_.pod_log_dir + "/" + name + ".log", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    response.raw_body = text.str();
  }
  return response;
}

}  // namespace kubeemu
