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
kube::GroupVersionResource InferenceServicesResource() {
  return {"seed.dev", "v1alpha1", "inferenceservices", true, "InferenceService"};
}
kube::GroupVersionResource DeploymentsResource() { return {"apps", "v1", "deployments", true, "Deployment"}; }
kube::GroupVersionResource ServicesResource() { return {"", "v1", "services", true, "Service"}; }
kube::GroupVersionResource HorizontalPodAutoscalersResource() {
  return {"autoscaling", "v2", "horizontalpodautoscalers", true, "HorizontalPodAutoscaler"};
}
kube::GroupVersionResource HttpRoutesResource() {
  return {"gateway.networking.k8s.io", "v1", "httproutes", true, "HTTPRoute"};
}

}  // namespace seed::controllers
