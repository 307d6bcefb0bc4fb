#include "controllers/resources.h"

namespace seed::controllers {

kube::GroupVersionResource PipelineRunsResource() {
  return {"seed.dev", "v1alpha1", "pipelineruns", true, "PipelineRun"};
}
kube::GroupVersionResource PipelinesResource() { return {"seed.dev", "v1alpha1", "pipelines", true, "Pipeline"}; }
kube::GroupVersionResource JobTemplatesResource() {
  return {"seed.dev", "v1alpha1", "jobtemplates", true, "JobTemplate"};
}
kube::GroupVersionResource PersistentVolumeClaimsResource() {
  return {"", "v1", "persistentvolumeclaims", true, "PersistentVolumeClaim"};
}

}  // namespace seed::controllers
