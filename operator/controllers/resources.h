#pragma once
// The REST resources the Seed controllers read and write.
#include "kube/resource.h"

namespace seed::controllers {

kube::GroupVersionResource PipelineRunsResource();
kube::GroupVersionResource PipelinesResource();
kube::GroupVersionResource JobTemplatesResource();
kube::GroupVersionResource PersistentVolumeClaimsResource();
kube::GroupVersionResource InferenceServicesResource();
kube::GroupVersionResource DeploymentsResource();
kube::GroupVersionResource ServicesResource();
kube::GroupVersionResource HorizontalPodAutoscalersResource();
kube::GroupVersionResource HttpRoutesResource();

}  // namespace seed::controllers
