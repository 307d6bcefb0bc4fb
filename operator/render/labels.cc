#include "render/labels.h"

namespace seed::render {

nlohmann::json RunChildLabels(const std::string& run, const std::string& pipeline) {
  nlohmann::json labels = {{kManagedByLabel, kManagedBy}, {kPartOfLabel, kPartOf}, {kPipelineRunLabel, run}};
  if (!pipeline.empty()) labels[kPipelineLabel] = pipeline;
  return labels;
}

nlohmann::json ControllerReference(const std::string& kind, const api::ObjectMeta& owner) {
  return {{"apiVersion", api::kApiVersion},
          {"kind", kind},
          {"name", owner.name},
          {"uid", owner.uid},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

}  // namespace seed::render
