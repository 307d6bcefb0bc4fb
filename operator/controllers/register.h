#pragma once
// Wires the Seed controllers (JobTemplate, Pipeline, PipelineRun, InferenceService) into a kube::Manager.
#include "controllers/options.h"
#include "kube/manager.h"

namespace seed::controllers {

// Registers the informers and controllers; call before manager.Run(). `options.clock` defaults
// to the real clock.
void RegisterSeedControllers(kube::Manager& manager, const SeedControllerOptions& options);

}  // namespace seed::controllers
