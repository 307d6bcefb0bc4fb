#include "controllers/register.h"

#include "controllers/inference_service_reconciler.h"
#include "controllers/jobtemplate_reconciler.h"
#include "controllers/pipeline_reconciler.h"
#include "controllers/pipelinerun_reconciler.h"
#include "controllers/resources.h"
#include "kube/transforms.h"

namespace seed::controllers {

void RegisterSeedControllers(kube::Manager& manager, const SeedControllerOptions& given) {
  RegisterSeedControllers(manager, given, InferenceServiceControllerOptions{});
}

void RegisterSeedControllers(kube::Manager& manager, const SeedControllerOptions& given,
                             const InferenceServiceControllerOptions& isvc_options) {
  SeedControllerOptions options = given;
  if (!options.clock) options.clock = &kube::RealClock::Instance();
  kube::Informer& templates = manager.GetInformer(JobTemplatesResource());
  kube::Informer& pipelines = manager.GetInformer(PipelinesResource());
  kube::Informer& runs = manager.GetInformer(PipelineRunsResource());
  kube::Informer& pods = manager.GetInformer(kube::PodsResource());
  pods.SetTransform(kube::TrimPod);  // the run controller reads only pod status: ~1 KB a pod in the cache
  auto client = manager.shared_client();
  kube::EventRecorder* events = &manager.events();

  auto& template_controller =
      manager.NewController("jobtemplate", std::make_shared<JobTemplateReconciler>(client, templates, options));
  template_controller.For(templates);

  auto& pipeline_controller = manager.NewController(
      "pipeline", std::make_shared<PipelineReconciler>(client, pipelines, runs, templates, events, options));
  pipeline_controller.For(pipelines);
  pipeline_controller.Owns(runs, "seed.dev", "Pipeline");

  auto& run_controller = manager.NewController(
      "pipelinerun", std::make_shared<PipelineRunReconciler>(client, runs, pods, pipelines, templates, events, options));
  run_controller.For(runs);
  run_controller.Owns(pods, "seed.dev", "PipelineRun");

  RegisterInferenceServiceController(manager, options, isvc_options);
}

}  // namespace seed::controllers
